import {
  answerEcho,
  createPipelineHarness,
  createTestRateGates,
  createVirtualClock,
} from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { RateGateSettings } from '../rate-control/rate-gate-settings';
import type { PipelineDeps } from './pipeline-deps';
import { processWorkMessage } from './process-work-message';
import { startInvocation } from './start-invocation';

const simple = (prompt: string): string => JSON.stringify({ prompt });

/**
 * One chunk of 40 lines in one invocation, against an instant endpoint and a job store whose claims and
 * records take 5 ms each: the shape of the zero-latency benchmark, where store round trips, not calls,
 * hold lines in flight. Returns the most lines the invocation let in at once and the claim requests.
 */
async function oneChunk(limits: Partial<RateGateSettings>) {
  const h = createPipelineHarness({ config: { linesPerChunk: 40 } });
  const clock = createVirtualClock(h.clock.now());
  const job = await h.upload('chunk.jsonl', Array.from({ length: 40 }, (_, i) => simple(`q${i}`)).join('\n'));
  const [item] = h.queue.drain();
  if (item === undefined) throw new Error('no work item');
  let claimRequests = 0;
  const slow =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await clock.sleep(5);
      return run(...args);
    };
  const deps: PipelineDeps = {
    ...h.deps,
    clock,
    rateGates: createTestRateGates(clock, limits),
    model: { complete: async (body) => answerEcho({ prompt: body.messages.at(-1)?.content ?? '', body }) },
    jobs: {
      ...h.deps.jobs,
      claimLineAttempt: slow((...args: Parameters<PipelineDeps['jobs']['claimLineAttempt']>) => {
        claimRequests += 1;
        return h.deps.jobs.claimLineAttempt(...args);
      }),
      claimLineAttempts: slow((...args: Parameters<PipelineDeps['jobs']['claimLineAttempts']>) => {
        claimRequests += 1;
        return h.deps.jobs.claimLineAttempts(...args);
      }),
      recordLines: slow(h.deps.jobs.recordLines),
    },
  };
  const invocation = startInvocation(deps, { deadline: clock.now() + 900_000 });
  let peak = 0;
  const limiter = invocation.limiter;
  const watched = {
    ...invocation,
    limiter: {
      run: <T>(task: () => Promise<T>) =>
        limiter.run(async () => {
          peak = Math.max(peak, 'active' in limiter ? Number(limiter.active) : 0);
          return task();
        }),
    },
  };
  const done = processWorkMessage(deps, item.message, watched).finally(() => invocation.close());
  await clock.runUntil(clock.now() + 60_000);
  await done;
  await h.drain({});
  const results = await h.results(job.jobId);
  return { peak, claimRequests, results };
}

describe('startInvocation: lines let in', () => {
  it("against an endpoint without limits, lets a chunk's lines in together, so their claims go in groups", async () => {
    const { peak, claimRequests, results } = await oneChunk({
      unlimited: true,
      requestsPerMinute: null,
      maxInFlight: null,
      tokensPerMinute: null,
    });
    // Lines let in as others finished (8 ahead of the calls in flight, ~0 at an instant endpoint) made
    // 40 lines claim a few at a time.
    expect(peak).toBe(40);
    expect(claimRequests).toBeLessThanOrEqual(3);
    expect(results).toHaveLength(40);
    expect(results.every((r) => r.status === 'succeeded' && r.attempts === 1)).toBe(true);
  });

  it('against an endpoint with limits, lets in only lines ahead of the calls it holds', async () => {
    const { peak, results } = await oneChunk({
      requestsPerMinute: 600_000,
      maxInFlight: 64,
      windowMs: 1_000,
    });
    expect(peak).toBeLessThan(40);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
  });
});

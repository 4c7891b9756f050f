import { createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { jobKeys } from '../job/job-keys';
import type { WorkMessage } from '../job/work-message';
import type { ObjectStore } from '../ports/object-store';
import { finalizeJob } from './finalize-job';
import { createLimiter } from './limiter';
import { processWorkMessage } from './process-work-message';

const LINES = 20; // 7 chunks of 3 lines (the harness's chunk size)
const input = (): string =>
  `${Array.from({ length: LINES }, (_, i) => JSON.stringify({ prompt: `q${i + 1}` })).join('\n')}\n`;

/** A harness whose job has all its chunks done and a finalize request waiting (not yet run). */
async function jobReadyToFinalize(config: Parameters<typeof createPipelineHarness>[0] = {}) {
  const h = createPipelineHarness(config);
  const job = await h.upload('big.jsonl', input());
  const finalizeRequests: WorkMessage[] = [];
  for (let batch = h.queue.drain(); batch.length > 0; batch = h.queue.drain()) {
    for (const { message } of batch) {
      if (message.type === 'finalize_job') finalizeRequests.push(message);
      else
        await processWorkMessage(h.deps, message, {
          deadline: h.clock.now() + 900_000,
          limiter: createLimiter(8),
        });
    }
  }
  expect(finalizeRequests.length).toBeGreaterThan(0);
  return { h, jobId: job.jobId };
}

/** The output store with every stream and putStream call counted, and the clock moved on by `stepMs` each. */
function slowOutput(
  h: ReturnType<typeof createPipelineHarness>,
  stepMs: { stream: number; putStream: number },
) {
  const writes = new Map<string, number>();
  const output: ObjectStore = Object.create(h.output);
  output.putStream = async (key, body, options) => {
    writes.set(key, (writes.get(key) ?? 0) + 1);
    await h.output.putStream(key, body, options);
    h.clock.advance(stepMs.putStream);
  };
  output.stream = async (key, options) => {
    h.clock.advance(stepMs.stream);
    return h.output.stream(key, options);
  };
  return { deps: { ...h.deps, output }, writes };
}

const segmentKeys = (h: ReturnType<typeof createPipelineHarness>, jobId: string) =>
  h.output.keys().filter((key) => key.startsWith(jobKeys.finalizePrefix(jobId)));

describe('finalize at the largest job: deadline-checked and resumable', () => {
  it('writes the same outputs in segments as in one pass, and leaves no segment behind', async () => {
    const direct = await jobReadyToFinalize();
    const segmented = await jobReadyToFinalize({ config: { finalizeSegmentChunks: 2 } });
    const a = await finalizeJob(direct.h.deps, direct.jobId, { deadline: direct.h.clock.now() + 900_000 });
    const b = await finalizeJob(segmented.h.deps, segmented.jobId, {
      deadline: segmented.h.clock.now() + 900_000,
    });
    expect([a.kind, b.kind]).toEqual(['finalized', 'finalized']);
    const results = await segmented.h.results(segmented.jobId);
    expect(results.map((r) => r.line)).toEqual(Array.from({ length: LINES }, (_, i) => i + 1));
    expect(results.map((r) => [r.custom_id, r.status, r.answer])).toEqual(
      (await direct.h.results(direct.jobId)).map((r) => [r.custom_id, r.status, r.answer]),
    );
    expect(segmentKeys(segmented.h, segmented.jobId)).toEqual([]);
  });

  it('hands the rest on when out of time, and the next invocation resumes from the segments written', async () => {
    const { h, jobId } = await jobReadyToFinalize({ config: { finalizeSegmentChunks: 2 } });
    const { deps, writes } = slowOutput(h, { stream: 0, putStream: 20_000 });
    // 41.5 s, less the 10 s reserve: segment 0 (clock +20 s), segment 1 (+20 s), then out of time.
    const deadline = h.clock.now() + 41_500;
    const first = await finalizeJob(deps, jobId, { deadline });
    expect(first).toEqual({ kind: 'continued', continuations: 1 });
    expect(segmentKeys(h, jobId)).toEqual([
      jobKeys.finalizeSegment(jobId, 0),
      jobKeys.finalizeSegment(jobId, 1),
    ]);
    expect(await h.output.get(jobKeys.results(jobId))).toBeNull();
    expect((await h.jobs.getJob(jobId))?.status).toBe('finalizing');
    // The hand-on is for just after this invocation's lease (its deadline), so it is granted then.
    const [handOn] = h.queue.drain();
    expect(handOn?.message).toEqual({ type: 'finalize_job', jobId, continuations: 1 });
    expect((handOn?.delaySeconds ?? 0) * 1000).toBeGreaterThanOrEqual(deadline - h.clock.now());

    h.clock.advance((handOn?.delaySeconds ?? 0) * 1000);
    const second = await finalizeJob(deps, jobId, { deadline: h.clock.now() + 900_000, continuations: 1 });
    expect(second.kind).toBe('finalized');
    // Segments 0 and 1 were not written again; 2 and 3 were written once.
    for (const segment of [0, 1, 2, 3]) expect(writes.get(jobKeys.finalizeSegment(jobId, segment))).toBe(1);
    expect((await h.results(jobId)).map((r) => r.line)).toEqual(
      Array.from({ length: LINES }, (_, i) => i + 1),
    );
    expect(segmentKeys(h, jobId)).toEqual([]);
  });

  it('aborts a final pass that runs out of time (no partial results.jsonl) and hands it on to run in segments', async () => {
    const { h, jobId } = await jobReadyToFinalize();
    const { deps } = slowOutput(h, { stream: 20_000, putStream: 0 });
    // 42.5 s, less the 10 s reserve: chunk 0 read (clock +20 s), chunk 1 read (+20 s), out of time mid-pass.
    const first = await finalizeJob(deps, jobId, { deadline: h.clock.now() + 42_500 });
    expect(first).toEqual({ kind: 'continued', continuations: 1 });
    expect(await h.output.get(jobKeys.results(jobId))).toBeNull();
    expect(await h.output.get(jobKeys.errors(jobId))).toBeNull();
    await h.drain(); // the hand-on, after the lease, with a whole invocation
    expect((await h.jobs.getJob(jobId))?.status).toBe('completed');
    expect(await h.results(jobId)).toHaveLength(LINES);
  });

  it('holds the job for its whole invocation: no second finalizer while it may still run', async () => {
    const { h, jobId } = await jobReadyToFinalize({ config: { finalizeLeaseMs: 1_000 } });
    const deadline = h.clock.now() + 900_000;
    const claimed = await h.jobs.claimFinalize(jobId, { now: h.clock.now(), leaseMs: 1 });
    expect(claimed).not.toBeNull();
    h.clock.advance(2);
    await finalizeJob(h.deps, jobId, { deadline });
    expect((await h.jobs.getJob(jobId))?.finalizeLeaseUntil).toBeGreaterThanOrEqual(deadline);
  });

  it('fails the job finalize_failed after maxHandoffs hand-ons instead of looping', async () => {
    const { h, jobId } = await jobReadyToFinalize({ config: { finalizeSegmentChunks: 2, maxHandoffs: 1 } });
    // No time at all: every invocation is out of time before its first segment.
    const noTime = () => ({ deadline: h.clock.now() });
    expect(await finalizeJob(h.deps, jobId, noTime())).toEqual({ kind: 'continued', continuations: 1 });
    h.clock.advance(120_000);
    expect(await finalizeJob(h.deps, jobId, { ...noTime(), continuations: 1 })).toEqual({ kind: 'failed' });
    expect(await h.jobs.getJob(jobId)).toMatchObject({
      status: 'failed',
      error: { code: 'finalize_failed' },
    });
  });
});

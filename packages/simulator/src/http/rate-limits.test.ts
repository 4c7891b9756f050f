import {
  type Completion,
  chatBody,
  createSimulatorHarness,
  postChat,
  type TestSimulator,
} from '@thinkbatch/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorStats } from '../simulator-stats';
import { STATS_PATH } from './server';

const { start, closeAll } = createSimulatorHarness();
afterEach(closeAll);

/** A prompt of `tokens` simulated tokens (4 characters each). */
const promptOf = (tokens: number, tag = 'x'): string => tag.repeat(tokens * 4);

/** Status and retry hints of one chat request. */
async function ask(simulator: TestSimulator, body: Record<string, unknown>) {
  const response = await postChat(simulator.url, body);
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    retryAfterMs: response.headers.get('retry-after-ms'),
    body: (await response.json()) as { error?: { message: string; type: string; code: string } },
  };
}

describe('tokensPerMinute', () => {
  it('charges prompt + max_tokens at admission and hints when enough tokens have slid out', async () => {
    const simulator = await start({ tokensPerMinute: 100, rateWindowMs: 1000, retryAfterFormat: 'both' });
    const body = chatBody(promptOf(10), { max_tokens: 40 }); // charged 50
    expect((await ask(simulator, body)).status).toBe(200);
    simulator.clock.advance(300);
    expect((await ask(simulator, body)).status).toBe(200);
    simulator.clock.advance(200);
    const refused = await ask(simulator, body);
    expect(refused).toEqual({
      status: 429,
      retryAfter: '1', // 500 ms, rounded up to whole seconds
      retryAfterMs: '500',
      body: {
        error: {
          message:
            'Rate limit reached for deepseek-ai/deepseek-r1 on tokens per min (TPM): Limit 100, Used 100, Requested 50. Please try again in 500ms.',
          type: 'tokens',
          code: 'rate_limit_exceeded',
          param: null,
        },
      },
    });
    // A smaller request fits no sooner: the window is full to the token.
    expect((await ask(simulator, chatBody(promptOf(1), { max_tokens: 1 }))).status).toBe(429);
    simulator.clock.advance(500);
    expect((await ask(simulator, body)).status).toBe(200);
    const stats = simulator.stats();
    expect(stats.rateLimited).toEqual({ concurrency: 0, rpm: 0, tpm: 2 });
    expect(stats.load.peaks).toEqual({
      offeredRequests: 4,
      offeredTokens: 152,
      admittedRequests: 2,
      admittedTokens: 100,
    });
  });

  it('charges a request without max_tokens the tokens of its whole answer', async () => {
    const simulator = await start({ tokensPerMinute: 100_000 });
    const response = await postChat(simulator.url, chatBody('Explain the tides'));
    const { usage } = (await response.json()) as Completion;
    expect(usage?.completion_tokens).toBeGreaterThan(8);
    expect(simulator.stats().load.peaks.admittedTokens).toBe(usage?.total_tokens);
  });

  it('refuses for good, without a retry hint, a request larger than the whole limit', async () => {
    const simulator = await start({ tokensPerMinute: 20, retryAfterFormat: 'both' });
    const refused = await ask(simulator, chatBody(promptOf(5), { max_tokens: 50 }));
    expect(refused.status).toBe(429);
    expect([refused.retryAfter, refused.retryAfterMs]).toEqual([null, null]);
    expect(refused.body.error?.message).toBe(
      'Request too large for deepseek-ai/deepseek-r1 on tokens per min (TPM): Limit 20, Requested 55. The input or output tokens must be reduced in order to run successfully.',
    );
  });
});

describe('429s of the request and concurrency limits', () => {
  it('words an RPM refusal as OpenAI does, with a wait in whole seconds rounded up', async () => {
    const simulator = await start({ requestsPerMinute: 1, rateWindowMs: 2500, retryAfterFormat: 'seconds' });
    await ask(simulator, chatBody('a'));
    simulator.clock.advance(100);
    expect(await ask(simulator, chatBody('b'))).toMatchObject({
      status: 429,
      retryAfter: '3',
      retryAfterMs: null,
      body: {
        error: {
          message:
            'Rate limit reached for deepseek-ai/deepseek-r1 on requests per min (RPM): Limit 1, Used 1, Requested 1. Please try again in 2.4s.',
          type: 'requests',
          code: 'rate_limit_exceeded',
        },
      },
    });
  });

  it('tells a concurrency refusal when the first call in flight will be done', async () => {
    const simulator = await start({
      maxConcurrency: 1,
      latency: { kind: 'fixed', ms: 300 },
      retryAfterFormat: 'milliseconds',
    });
    const first = postChat(simulator.url, chatBody('slow'));
    await simulator.clock.sleeping(1);
    expect((await ask(simulator, chatBody('b'))).retryAfterMs).toBe('300');
    simulator.clock.advance(100);
    expect((await ask(simulator, chatBody('c'))).retryAfterMs).toBe('200');
    simulator.clock.advance(200);
    expect((await first).status).toBe(200);
    expect(simulator.stats().rateLimited).toEqual({ concurrency: 2, rpm: 0, tpm: 0 });
  });
});

describe('limitSchedule', () => {
  it('changes the limits at the given times after start, on the simulator clock', async () => {
    const simulator = await start({
      requestsPerMinute: 2,
      rateWindowMs: 1000,
      limitSchedule: [
        { atMs: 4000, requestsPerMinute: 3 },
        { atMs: 2000, requestsPerMinute: 1 },
      ],
    });
    const burst = async (count: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < count; i += 1) statuses.push((await ask(simulator, chatBody(`p${i}`))).status);
      return statuses;
    };
    expect(await burst(3)).toEqual([200, 200, 429]);
    simulator.clock.advance(2000);
    expect(await burst(2)).toEqual([200, 429]);
    simulator.clock.advance(2000);
    expect(await burst(4)).toEqual([200, 200, 200, 429]);
    const { load } = simulator.stats();
    expect(
      load.phases.map((phase) => ({
        atMs: phase.atMs,
        rpm: phase.requestsPerMinute,
        offered: phase.peaks.offeredRequests,
        admitted: phase.peaks.admittedRequests,
      })),
    ).toEqual([
      { atMs: 0, rpm: 2, offered: 3, admitted: 2 },
      { atMs: 2000, rpm: 1, offered: 2, admitted: 1 },
      { atMs: 4000, rpm: 3, offered: 4, admitted: 3 },
    ]);
    expect(load.timeline.map((bucket) => [bucket.atMs, bucket.admitted, bucket.rateLimited.rpm])).toEqual([
      [0, 2, 1],
      [2000, 1, 1],
      [4000, 3, 1],
    ]);
  });

  it('is validated at start', async () => {
    await expect(start({ limitSchedule: [{ atMs: 10, maxConcurrency: 0 }] })).rejects.toThrow(
      /limitSchedule\[0\]\.maxConcurrency must be > 0/,
    );
  });
});

describe('stats for benchmarks', () => {
  it('counts received, admitted, refused and succeeded requests', async () => {
    const simulator = await start({
      requestsPerMinute: 2,
      promptFaults: [{ match: 'bad', fault: 'http500' }],
    });
    await ask(simulator, chatBody('good'));
    await ask(simulator, chatBody('bad'));
    await ask(simulator, chatBody('late'));
    const stats = simulator.stats();
    expect([stats.chatRequests, stats.admitted, stats.succeeded, stats.rateLimited.rpm]).toEqual([
      3, 2, 1, 1,
    ]);
    expect(stats.load.timeline).toMatchObject([{ offered: 3, admitted: 2, succeeded: 1 }]);
  });

  it(`serves them as JSON at GET ${STATS_PATH} on the same server, without counting that request`, async () => {
    const simulator = await start({ apiKey: 'sk-test', requestsPerMinute: 1 });
    await postChat(simulator.url, chatBody('a'), { authorization: 'Bearer sk-test' });
    expect(simulator.statsUrl).toBe(`http://127.0.0.1:${simulator.port}${STATS_PATH}`);
    const response = await fetch(simulator.statsUrl);
    expect(response.status).toBe(200);
    const served = (await response.json()) as SimulatorStats;
    expect(served).toEqual(simulator.stats());
    expect(served).toMatchObject({ requests: 1, chatRequests: 1, admitted: 1, succeeded: 1 });
    expect(served.load).toMatchObject({ windowMs: 60_000, phases: [{ atMs: 0, requestsPerMinute: 1 }] });
    expect((await fetch(simulator.statsUrl, { method: 'POST' })).status).toBe(405);
    expect(simulator.stats().requests).toBe(1);
  });
});

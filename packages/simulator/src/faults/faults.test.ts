import {
  chatBody,
  createSimulatorHarness,
  postChat,
  readSse,
  sseChunks,
  type TestChunk,
} from '@thinkbatch/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorOptions } from '../simulator-options';

const { start, closeAll } = createSimulatorHarness();
afterEach(closeAll);

/** The first `count` of `promises` to settle. */
function firstSettled<T>(promises: readonly Promise<T>[], count: number): Promise<void> {
  let settled = 0;
  return new Promise((resolve) => {
    for (const promise of promises) {
      const onSettled = (): void => {
        settled += 1;
        if (settled === count) resolve();
      };
      promise.then(onSettled, onSettled);
    }
  });
}

const STREAM = { stream: true, stream_options: { include_usage: true } };

/** A simulator whose every request meets `fault` (rate 1). */
const always = (fault: keyof NonNullable<SimulatorOptions['faultRates']>, extra: SimulatorOptions = {}) =>
  start({ faultRates: { [fault]: 1 }, ...extra });

describe('random faults at rate 1', () => {
  it.each([
    ['http500', 500, 'server_error'],
    ['http503', 503, 'server_error'],
  ] as const)('%s answers an OpenAI-style error with a request id', async (fault, status, type) => {
    const simulator = await always(fault);
    const response = await postChat(simulator.url, chatBody('hi'));
    expect(response.status).toBe(status);
    expect(response.headers.get('x-request-id')).toMatch(/^sim-/);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await response.json()).toMatchObject({
      error: { type, message: expect.stringContaining('simulated') },
    });
    expect(simulator.stats().byFault).toEqual({ [fault]: 1 });
  });

  it('connectionReset destroys the socket before any status', async () => {
    const simulator = await always('connectionReset');
    await expect(postChat(simulator.url, chatBody('hi'))).rejects.toThrow(/fetch failed/);
    expect(simulator.stats().byStatus).toEqual({ reset: 1 });
    expect(simulator.stats().clientAborts).toBe(0);
  });

  it('slowHeaders holds the headers back, then answers normally', async () => {
    const simulator = await always('slowHeaders', { slowHeadersMs: 300 });
    for (const extra of [{}, STREAM]) {
      const started = simulator.clock.now();
      const response = await simulator.clock.runUntil(postChat(simulator.url, chatBody('hi', extra)));
      expect(simulator.clock.now() - started).toBeGreaterThanOrEqual(290);
      expect(response.status).toBe(200);
      await response.text();
    }
    expect(Object.values(simulator.stats().completedByPrompt)).toEqual([2]);
  });

  it('truncatedBody sends a valid JSON start, then ends', async () => {
    const simulator = await always('truncatedBody');
    const response = await postChat(simulator.url, chatBody('hi'));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith('{"id":"chatcmpl-')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
    expect(simulator.stats().completedByPrompt).toEqual({});
  });

  it('truncatedBody in a stream sends some chunks, no finish, no usage, no [DONE]', async () => {
    const simulator = await always('truncatedBody');
    const read = await readSse(await postChat(simulator.url, chatBody('hi', STREAM)));
    expect(read.wellFramed).toBe(true);
    expect(read.data).not.toContain('[DONE]');
    const chunks = sseChunks(read) as unknown as TestChunk[];
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.every((chunk) => chunk.choices[0]?.finish_reason === null)).toBe(true);
  });

  it('connectionReset midBody cuts the connection after the headers', async () => {
    const simulator = await start({
      promptFaults: [{ match: 'cut', fault: { kind: 'connectionReset', midBody: true } }],
    });
    const plain = await postChat(simulator.url, chatBody('cut'));
    expect(plain.status).toBe(200);
    await expect(plain.text()).rejects.toThrow(/terminated/);
    const streamed = await postChat(simulator.url, chatBody('cut', STREAM));
    expect(streamed.status).toBe(200);
    await expect(streamed.text()).rejects.toThrow(/terminated/);
  });

  it('nonJsonBody answers 200 with garbage, as JSON content type and as SSE data', async () => {
    const simulator = await always('nonJsonBody');
    const plain = await postChat(simulator.url, chatBody('hi'));
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('application/json');
    await expect(plain.json()).rejects.toThrow(SyntaxError);
    const read = await readSse(await postChat(simulator.url, chatBody('hi', STREAM)));
    expect(read.data[0]).toMatch(/^<html>/);
  });

  it('missingUsage leaves usage out, plain and streamed', async () => {
    const simulator = await always('missingUsage');
    const plain = (await (await postChat(simulator.url, chatBody('hi'))).json()) as { choices: unknown[] };
    expect(plain.choices).toHaveLength(1);
    expect('usage' in plain).toBe(false);
    const read = await readSse(await postChat(simulator.url, chatBody('hi', STREAM)));
    const chunks = sseChunks(read) as unknown as TestChunk[];
    expect(read.data.at(-1)).toBe('[DONE]');
    expect(chunks.some((chunk) => chunk.usage !== undefined && chunk.usage !== null)).toBe(false);
  });
});

describe('scripted faults', () => {
  it('fails the first 2 calls of prompt X with 503, then succeeds; prompt Y always 400', async () => {
    const simulator = await start({
      promptFaults: [
        { match: 'prompt X', fault: 'http503', times: 2 },
        { match: 'prompt Y', fault: 'http400' },
      ],
    });
    const statuses = async (prompt: string, n: number) => {
      const result: number[] = [];
      for (let i = 0; i < n; i += 1) result.push((await postChat(simulator.url, chatBody(prompt))).status);
      return result;
    };
    expect(await statuses('prompt X', 4)).toEqual([503, 503, 200, 200]);
    expect(await statuses('prompt Y', 3)).toEqual([400, 400, 400]);
    expect(await statuses('prompt Z', 1)).toEqual([200]);
  });

  it('gives a fault plan the request index, attempt, body and custom id hint', async () => {
    const seen: string[] = [];
    const simulator = await start({
      faultPlan: (ctx) => {
        const { temperature } = ctx.body;
        seen.push(`${ctx.requestIndex}:${ctx.attempt}:${ctx.customIdHint}:${String(temperature)}`);
        return ctx.attempt === 0
          ? { kind: 'status', status: 429, retryAfterMs: 1500, retryAfterFormat: 'both' }
          : null;
      },
    });
    const first = await postChat(simulator.url, chatBody('a', { temperature: 0.6 }), {
      'x-thinkbatch-custom-id': 'line-1',
    });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('2');
    expect(first.headers.get('retry-after-ms')).toBe('1500');
    expect((await postChat(simulator.url, chatBody('a', { temperature: 0.6 }))).status).toBe(200);
    expect(seen).toEqual(['0:0:line-1:0.6', '1:1:null:0.6']);
  });
});

describe('rate limits', () => {
  it('answers 429 beyond maxConcurrency, without a retry hint by default', async () => {
    const simulator = await start({ maxConcurrency: 2, latency: { kind: 'fixed', ms: 300 } });
    const pending = [1, 2, 3, 4].map((i) => postChat(simulator.url, chatBody(`c${i}`)));
    // Two are admitted and wait out their latency (time stands still); the other two are refused meanwhile.
    await firstSettled(pending, 2);
    await simulator.clock.sleeping(2);
    simulator.clock.advance(300);
    const responses = await Promise.all(pending);
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429]);
    const refused = responses.find((response) => response.status === 429);
    expect(refused?.headers.get('retry-after')).toBeNull();
    expect(refused?.headers.get('retry-after-ms')).toBeNull();
    expect(await refused?.json()).toMatchObject({
      error: { code: 'rate_limit_exceeded', message: expect.stringContaining('concurrent') },
    });
    const stats = simulator.stats();
    expect(stats.rateLimited).toEqual({ concurrency: 2, rpm: 0, tpm: 0 });
    expect(stats.maxInFlight).toBe(2);
  });

  it.each([
    ['seconds', { 'retry-after': '60' }],
    ['milliseconds', { 'retry-after-ms': expect.stringMatching(/^(59\d{3}|60000)$/) }],
  ] as const)('answers 429 beyond requestsPerMinute with a %s retry hint', async (format, headers) => {
    const simulator = await start({ requestsPerMinute: 2, retryAfterFormat: format });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i += 1) {
      last = await postChat(simulator.url, chatBody(`r${i}`));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    const hints = {
      'retry-after': last?.headers.get('retry-after') ?? undefined,
      'retry-after-ms': last?.headers.get('retry-after-ms') ?? undefined,
    };
    expect(Object.fromEntries(Object.entries(hints).filter(([, value]) => value !== undefined))).toEqual(
      headers,
    );
    expect(simulator.stats().rateLimited).toEqual({ concurrency: 0, rpm: 1, tpm: 0 });
  });

  it('admits again once the window has slid', async () => {
    const simulator = await start({ requestsPerMinute: 1, rateWindowMs: 200 });
    expect((await postChat(simulator.url, chatBody('a'))).status).toBe(200);
    expect((await postChat(simulator.url, chatBody('b'))).status).toBe(429);
    simulator.clock.advance(220);
    expect((await postChat(simulator.url, chatBody('c'))).status).toBe(200);
  });
});

describe('random faults by seed', () => {
  it('replays the same fault sequence for the same seed', async () => {
    const run = async (seed: number) => {
      const simulator = await start({ seed, faultRates: { http500: 0.3, http503: 0.3 } });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i += 1)
        statuses.push((await postChat(simulator.url, chatBody(`p${i}`))).status);
      return statuses;
    };
    const first = await run(5);
    expect(await run(5)).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 500, 503]));
    expect(await run(6)).not.toEqual(first);
  });
});

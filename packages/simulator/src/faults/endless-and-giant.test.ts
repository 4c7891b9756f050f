import { type RunningSimulator, startSimulator } from '@thinkbatch/simulator';
import { chatBody, createSimulatorHarness, postChat, readSse, sseChunks } from '@thinkbatch/testing';
import { afterEach, describe, expect, it } from 'vitest';

const { start, closeAll } = createSimulatorHarness();
let real: RunningSimulator | undefined;
afterEach(async () => {
  await closeAll();
  await real?.close();
  real = undefined;
});

const STREAM = { stream: true, stream_options: { include_usage: true } };

/** Read a body for `ms`, then abort; returns how many bytes came. The body must not have ended. */
async function readFor(url: string, body: unknown, ms: number): Promise<{ bytes: number; ended: boolean }> {
  const controller = new AbortController();
  const response = await postChat(url, body, {}, controller.signal);
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error('no body');
  let bytes = 0;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const next = await Promise.race([
      reader.read(),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), until - Date.now())),
    ]);
    if (next === null) break;
    if (next.done) return { bytes, ended: true };
    bytes += next.value.byteLength;
  }
  controller.abort();
  await reader.cancel().catch(() => {});
  return { bytes, ended: false };
}

describe('endlessStream', () => {
  it.each([
    ['streaming', STREAM],
    ['non-streaming', {}],
  ] as const)('%s: a 200 that keeps sending and never ends, until the client leaves', async (_, extra) => {
    real = await startSimulator({
      latency: { kind: 'fixed', ms: 0 },
      promptFaults: [{ match: 'forever', fault: { kind: 'endlessStream', intervalMs: 2 } }],
    });
    const read = await readFor(real.url, chatBody('forever', extra), 300);
    expect(read.ended).toBe(false);
    expect(read.bytes).toBeGreaterThan(100);
    const simulator = real;
    await expect
      .poll(() => simulator.ledger().entries.map((e) => [e.fault, e.outcome, e.status, e.usage]))
      .toEqual([['endlessStream', 'client_aborted', 200, null]]);
    expect(simulator.stats().completedByPrompt).toEqual({});
  });

  it('a client reading to the end gets no end: only its own abort stops it', async () => {
    real = await startSimulator({
      latency: { kind: 'fixed', ms: 0 },
      promptFaults: [{ match: 'forever', fault: { kind: 'endlessStream', intervalMs: 1 } }],
    });
    const controller = new AbortController();
    const response = await postChat(real.url, chatBody('forever', STREAM), {}, controller.signal);
    setTimeout(() => controller.abort(), 100);
    const text = await response.text().catch(() => null);
    expect(text).toBeNull(); // aborted: the body never ended by itself
  });
});

describe('giantBody', () => {
  it.each([
    ['non-streaming', {}],
    ['streaming', STREAM],
  ] as const)('%s: a complete, valid answer padded to the size asked for, with usage', async (_, extra) => {
    const simulator = await start({
      promptFaults: [{ match: 'big', fault: { kind: 'giantBody', bytes: 2_000_000 } }],
    });
    const response = await postChat(simulator.url, chatBody('big', extra));
    let content: string;
    let usage: unknown;
    if ('stream' in extra) {
      const chunks = sseChunks(await readSse(response)) as {
        choices: { delta: { content?: string } }[];
        usage?: unknown;
      }[];
      content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      usage = chunks.at(-1)?.usage;
      expect(chunks.length).toBeLessThan(200);
    } else {
      const body = (await response.json()) as { choices: { message: { content: string } }[]; usage: unknown };
      content = body.choices[0]?.message.content ?? '';
      usage = body.usage;
    }
    expect(content.length).toBeGreaterThanOrEqual(2_000_000);
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number) });
    expect(simulator.ledger().entries).toMatchObject([{ outcome: 'complete', fault: 'giantBody', usage }]);
  });
});

describe('Retry-After on scripted status faults', () => {
  it('sends a date, a raw value (negative) and a huge number of seconds as asked', async () => {
    const simulator = await start({
      promptFaults: [
        {
          match: 'date',
          fault: { kind: 'status', status: 503, retryAfterMs: 3_000, retryAfterFormat: 'date' },
        },
        { match: 'negative', fault: { kind: 'status', status: 429, retryAfterRaw: '-5' } },
        { match: 'huge', fault: { kind: 'status', status: 429, retryAfterMs: 86_400_000 } },
      ],
    });
    const now = simulator.clock.now();
    const date = (await postChat(simulator.url, chatBody('date'))).headers.get('retry-after');
    expect(date).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    const wait = Date.parse(date ?? '') - now;
    expect(wait).toBeGreaterThanOrEqual(2_000);
    expect(wait).toBeLessThanOrEqual(4_000);
    expect((await postChat(simulator.url, chatBody('negative'))).headers.get('retry-after')).toBe('-5');
    expect((await postChat(simulator.url, chatBody('huge'))).headers.get('retry-after')).toBe('86400');
  });
});

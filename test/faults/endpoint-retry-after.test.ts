import type { Fault } from '@thinkbatch/simulator';
import { describe, expect, it } from 'vitest';
import { sumPrompt } from '../pipeline/stack';
import { gapsBetween, useEndpointCases } from './endpoint-case';

const run = useEndpointCases();

const unavailable = (hint: Partial<Extract<Fault, { kind: 'status' }>>): Fault => ({
  kind: 'status',
  status: 503,
  ...hint,
});
const prompt = (tag: string, i: number): string => `${tag}: ${sumPrompt(i, 7)}`;

describe('Retry-After on a 5xx: the line waits what the server asked, within the cap', () => {
  it('honours seconds, an HTTP date and retry-after-ms; ignores a negative or missing hint; caps a huge one', async () => {
    const cases = {
      SECONDS: unavailable({ retryAfterMs: 1_000, retryAfterFormat: 'seconds' }),
      DATE: unavailable({ retryAfterMs: 2_000, retryAfterFormat: 'date' }),
      MILLIS: unavailable({ retryAfterMs: 700, retryAfterFormat: 'milliseconds' }),
      NEGATIVE: unavailable({ retryAfterRaw: '-5' }),
      GARBAGE: unavailable({ retryAfterRaw: 'soon' }),
      MISSING: unavailable({}),
      HUGE: unavailable({ retryAfterMs: 86_400_000, retryAfterFormat: 'seconds' }),
    } as const;
    const tags = Object.keys(cases) as (keyof typeof cases)[];
    const prompts = tags.map((tag, i) => prompt(tag, i));
    const result = await run({
      prompts,
      faults: tags.map((tag) => ({ match: `${tag}:`, fault: cases[tag], times: 1 })),
      // The cap of a server's hint: a day's Retry-After waits this long instead.
      config: { retry: { baseDelayMs: 20, maxDelayMs: 200, retryAfterCapMs: 3_000 } },
    });
    expect(result.results.map((r) => [r.status, r.attempts])).toEqual(tags.map(() => ['succeeded', 2]));
    const gap = (tag: keyof typeof cases): number => {
      const [only] = gapsBetween(result.calls(prompts[tags.indexOf(tag)] ?? ''));
      if (only === undefined) throw new Error(`${tag}: expected two calls`);
      return only;
    };
    expect(gap('SECONDS')).toBeGreaterThanOrEqual(950);
    expect(gap('DATE')).toBeGreaterThanOrEqual(1_400); // the date is whole seconds: 2 s, less the rounding
    expect(gap('MILLIS')).toBeGreaterThanOrEqual(650);
    expect(gap('HUGE')).toBeGreaterThanOrEqual(2_950);
    expect(gap('HUGE')).toBeLessThan(6_000);
    // Backoff only (≤ 200 ms, plus what the rate gate's slow start may add): far from the 3 s cap a
    // misread hint would give, or the 5 s of a '-5' read without its sign.
    for (const tag of ['NEGATIVE', 'GARBAGE', 'MISSING'] as const) expect(gap(tag), tag).toBeLessThan(2_000);
  });
});

describe('Retry-After on a 429: the rate gate pauses, no attempt budget is used', () => {
  it('waits out 429s with hints in seconds, as a date and in retry-after-ms, even with maxAttempts 1', async () => {
    const prompts = [prompt('LIMIT-S', 1), prompt('LIMIT-D', 2), prompt('LIMIT-MS', 3)];
    const result = await run({
      prompts,
      faults: [
        {
          match: 'LIMIT-S:',
          fault: { kind: 'status', status: 429, retryAfterMs: 1_000, retryAfterFormat: 'seconds' },
          times: 1,
        },
        {
          match: 'LIMIT-D:',
          fault: { kind: 'status', status: 429, retryAfterMs: 2_000, retryAfterFormat: 'date' },
          times: 1,
        },
        {
          match: 'LIMIT-MS:',
          fault: { kind: 'status', status: 429, retryAfterMs: 800, retryAfterFormat: 'milliseconds' },
          times: 1,
        },
      ],
      job: { maxAttempts: 1 },
    });
    expect(result.results.map((r) => [r.status, r.attempts])).toEqual([
      ['succeeded', 2],
      ['succeeded', 2],
      ['succeeded', 2],
    ]);
    // The gate's pause holds every caller, so a line waits at least its own hint, and the longest one
    // (the date's, 2 s rounded up to whole seconds) is the only one that gives ≥ 1.9 s: only a date read
    // right passes. (Each format on its own is measured on the 5xx above; a 429 shares the same parse.)
    const [seconds, date, millis] = prompts.map((p) => gapsBetween(result.calls(p))[0] ?? 0);
    expect(seconds).toBeGreaterThanOrEqual(900);
    expect(date).toBeGreaterThanOrEqual(1_900);
    expect(millis).toBeGreaterThanOrEqual(750);
  });

  it('a 429 asking for a day ends the lines rate_limited within the longest wait, without calling again', async () => {
    const prompts = [prompt('DAY', 1), prompt('OTHER', 2)];
    const result = await run({
      prompts,
      faults: [{ match: 'DAY:', fault: { kind: 'status', status: 429, retryAfterMs: 86_400_000 }, times: 1 }],
      rateLimits: { longestWaitMs: 2_000 },
      timeoutMs: 20_000,
    });
    const day = result.results[0];
    expect(day).toMatchObject({ status: 'failed', error: { code: 'rate_limited', http_status: 429 } });
    expect(result.calls(prompts[0] ?? '')).toHaveLength(1);
    // The pause holds the whole endpoint: the other line is never called and fails the same way.
    expect(result.results[1]).toMatchObject({
      status: 'failed',
      attempts: 0,
      error: { code: 'rate_limited' },
    });
    expect(result.calls(prompts[1] ?? '')).toHaveLength(0);
    expect(result.elapsedMs).toBeLessThan(10_000);
  });
});

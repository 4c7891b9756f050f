import { describe, expect, it } from 'vitest';
import { LATENCY_EDGES_MS, latencyBuckets } from './latency-buckets';

describe('latencyBuckets', () => {
  it('counts each latency into the bar [from, to) that holds it, the last bar unbounded', () => {
    const buckets = latencyBuckets([0, 249, 250, 999, 1_000, 299_999, 300_000, 10_000_000]);
    expect(buckets).toHaveLength(LATENCY_EDGES_MS.length);
    const lines = Object.fromEntries(buckets.map((b) => [b.from_ms, b.lines]));
    expect(lines).toMatchObject({ 0: 2, 250: 1, 500: 1, 1000: 1, 120000: 1, 300000: 2 });
    expect(buckets.reduce((sum, b) => sum + b.lines, 0)).toBe(8);
    expect(buckets.at(-1)).toEqual({ from_ms: 300_000, to_ms: null, lines: 2 });
    expect(buckets[0]).toEqual({ from_ms: 0, to_ms: 250, lines: 2 });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createLatencyHistogram,
  EXACT_LATENCY_LIMIT,
  LATENCY_RELATIVE_ACCURACY,
  LatencyPercentiles,
} from './latency-histogram';

/** Exact nearest-rank percentile. */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const value = sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
  if (value === undefined) throw new Error('empty');
  return value;
}

describe('createLatencyHistogram', () => {
  it('is null while empty', () => {
    const histogram = createLatencyHistogram();
    expect(histogram.count).toBe(0);
    expect(histogram.percentiles()).toBeNull();
    expect(histogram.quantile(0.5)).toBeNull();
  });

  it(`is exact up to ${EXACT_LATENCY_LIMIT} values, then within 1 %`, () => {
    const small = createLatencyHistogram();
    for (let ms = 0; ms <= 100; ms += 1) small.record(ms);
    expect(small.percentiles()).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
    const one = createLatencyHistogram();
    one.record(123_456);
    expect(one.percentiles()).toEqual({ p50: 123_456, p90: 123_456, p99: 123_456, max: 123_456 });

    const many = createLatencyHistogram();
    for (let ms = 1; ms <= 10_000; ms += 1) many.record(ms);
    expect(many.count).toBe(10_000);
    // Exact: 5000, 9000, 9900. The log buckets answer within 1 %.
    const estimate = many.percentiles();
    expect(estimate?.max).toBe(10_000);
    expect(estimate?.p50).not.toBe(5000);
    expect(Math.abs((estimate?.p50 ?? 0) - 5000)).toBeLessThanOrEqual(50);
    expect(Math.abs((estimate?.p90 ?? 0) - 9000)).toBeLessThanOrEqual(90);
    expect(Math.abs((estimate?.p99 ?? 0) - 9900)).toBeLessThanOrEqual(99);
  });

  it('is exact for small sets and within 1 % of the exact nearest-rank percentile beyond; max is exact', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3_600_000 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 2 * EXACT_LATENCY_LIMIT }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (distinct, size, q) => {
          const values = Array.from({ length: size }, (_, i) => distinct[i % distinct.length] ?? 0);
          const histogram = createLatencyHistogram();
          for (const value of values) histogram.record(value);
          const exact = exactQuantile(values, q);
          const tolerance = size <= EXACT_LATENCY_LIMIT ? 0 : LATENCY_RELATIVE_ACCURACY * exact + 0.5 + 1e-9;
          expect(Math.abs((histogram.quantile(q) ?? Number.NaN) - exact)).toBeLessThanOrEqual(tolerance);
          expect(histogram.percentiles()?.max).toBe(Math.max(...values));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('does not depend on the order of values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), {
          minLength: 1,
          maxLength: 2 * EXACT_LATENCY_LIMIT,
        }),
        (values) => {
          const forward = createLatencyHistogram();
          const backward = createLatencyHistogram();
          for (const value of values) forward.record(value);
          for (const value of [...values].reverse()) backward.record(value);
          expect(forward.percentiles()).toEqual(backward.percentiles());
        },
      ),
      { numRuns: 50 },
    );
  });

  it('keeps huge values in range and the output schema-valid', () => {
    const histogram = createLatencyHistogram();
    for (let i = 0; i <= EXACT_LATENCY_LIMIT; i += 1) histogram.record(i % 2 === 0 ? 2 ** 40 : 2 ** 41);
    const percentiles = histogram.percentiles();
    expect(LatencyPercentiles.parse(percentiles)).toEqual(percentiles);
    expect(percentiles?.max).toBe(2 ** 41);
    expect(percentiles?.p50).toBeGreaterThanOrEqual(2 ** 40);
    expect(percentiles?.p50).toBeLessThanOrEqual(2 ** 41);
  });

  it('throws on values and quantiles that cannot be (bugs)', () => {
    const histogram = createLatencyHistogram();
    expect(() => histogram.record(-1)).toThrow(/latency must be/);
    expect(() => histogram.record(Number.NaN)).toThrow(/latency must be/);
    expect(() => histogram.quantile(0)).toThrow(/quantile/);
    expect(() => histogram.quantile(1.5)).toThrow(/quantile/);
  });
});

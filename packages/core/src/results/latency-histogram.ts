import { z } from 'zod';
import { ThinkbatchError } from '../errors/thinkbatch-error';

/**
 * Latency percentiles of a job, in whole milliseconds. Nearest-rank percentiles: exact for up to
 * `EXACT_LATENCY_LIMIT` values, else each within 1 % of the exact value (plus rounding to the ms);
 * `max` is always exact.
 */
export const LatencyPercentiles = z.object({
  p50: z.number().int().nonnegative(),
  p90: z.number().int().nonnegative(),
  p99: z.number().int().nonnegative(),
  max: z.number().int().nonnegative(),
});
export type LatencyPercentiles = z.infer<typeof LatencyPercentiles>;

/** Up to this many values, percentiles are exact (the values are kept: 8 bytes each). */
export const EXACT_LATENCY_LIMIT = 4096;

/** Relative accuracy α of a percentile estimate: |estimate − exact| ≤ α·exact (before rounding). */
export const LATENCY_RELATIVE_ACCURACY = 0.01;

/**
 * Log buckets (as in DDSketch): bucket i holds values in (γ^(i−1), γ^i] with γ = (1+α)/(1−α), and stands
 * for 2γ^i/(γ+1), which is within α of every value in it. Values above 2^32 ms (~50 days) share the top
 * bucket; percentiles are clamped into [min, max], which are tracked exactly.
 */
const GAMMA = (1 + LATENCY_RELATIVE_ACCURACY) / (1 - LATENCY_RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
const BUCKETS = Math.ceil(Math.log(2 ** 32) / LOG_GAMMA) + 1;

/** A histogram's contents as JSON (to carry a part of a job's lines from one invocation to the next). */
export const LatencyHistogramState = z.object({
  /** Non-empty buckets as [index, count] pairs. */
  buckets: z.array(z.tuple([z.number().int().nonnegative(), z.number().nonnegative()])),
  exact: z.array(z.number().nonnegative()).nullable(),
  zeros: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
  min: z.number().nullable(),
  max: z.number().nonnegative(),
});
export type LatencyHistogramState = z.infer<typeof LatencyHistogramState>;

/**
 * Fixed-size, order-independent latency percentiles: exact values up to `EXACT_LATENCY_LIMIT`, then a log
 * histogram (at most about 42 KB however many values it holds).
 */
export interface LatencyHistogram {
  /** Count one latency in ms; a negative or non-finite value is a bug: throws. */
  record(ms: number): void;
  /** Values recorded. */
  readonly count: number;
  /** Nearest-rank percentile `q` in (0, 1] in whole ms; null when nothing was recorded. */
  quantile(q: number): number | null;
  /** p50, p90, p99 and max; null when nothing was recorded. */
  percentiles(): LatencyPercentiles | null;
  /** The contents, as JSON. */
  state(): LatencyHistogramState;
  /** Add the values of another histogram (its `state()`): the same as recording them here. */
  merge(other: LatencyHistogramState): void;
}

function bucketOf(ms: number): number {
  if (ms <= 1) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms) / LOG_GAMMA));
}

/** Create an empty histogram with the precision described at `LATENCY_RELATIVE_ACCURACY`. */
export function createLatencyHistogram(): LatencyHistogram {
  const counts = new Float64Array(BUCKETS);
  /** The values while there are at most `EXACT_LATENCY_LIMIT`; null after. */
  let exact: number[] | null = [];
  let sorted = true;
  let zeros = 0;
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;

  const quantile = (q: number): number | null => {
    if (!(q > 0 && q <= 1)) throw new ThinkbatchError(`latency quantile must be in (0, 1], got ${q}`);
    if (count === 0) return null;
    if (q === 1) return Math.round(max);
    const rank = Math.max(1, Math.ceil(q * count));
    if (exact !== null) {
      if (!sorted) exact.sort((a, b) => a - b);
      sorted = true;
      return Math.round(exact[rank - 1] ?? max);
    }
    if (rank <= zeros) return 0;
    let seen = zeros;
    for (let i = 0; i < BUCKETS; i += 1) {
      seen += counts[i] ?? 0;
      if (seen >= rank) {
        const estimate = i === 0 ? 1 : (2 * GAMMA ** i) / (GAMMA + 1);
        return Math.round(Math.min(max, Math.max(min, estimate)));
      }
    }
    return Math.round(max);
  };

  return {
    record(ms) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new ThinkbatchError(`latency must be a finite ms >= 0, got ${ms}`);
      count += 1;
      min = Math.min(min, ms);
      max = Math.max(max, ms);
      if (exact !== null && exact.length < EXACT_LATENCY_LIMIT) {
        exact.push(ms);
        sorted = false;
      } else {
        exact = null;
      }
      if (ms === 0) {
        zeros += 1;
        return;
      }
      const bucket = bucketOf(ms);
      counts[bucket] = (counts[bucket] ?? 0) + 1;
    },
    get count() {
      return count;
    },
    quantile,
    state() {
      const buckets: [number, number][] = [];
      counts.forEach((n, i) => {
        if (n > 0) buckets.push([i, n]);
      });
      return {
        buckets,
        exact: exact === null ? null : [...exact],
        zeros,
        count,
        min: count === 0 ? null : min,
        max,
      };
    },
    merge(other) {
      if (other.count === 0) return;
      for (const [i, n] of other.buckets) counts[i] = (counts[i] ?? 0) + n;
      // Exact while every value so far is kept (as one pass recording them all would).
      exact =
        exact !== null && other.exact !== null && exact.length + other.exact.length <= EXACT_LATENCY_LIMIT
          ? [...exact, ...other.exact]
          : null;
      sorted = false;
      zeros += other.zeros;
      count += other.count;
      min = Math.min(min, other.min ?? Number.POSITIVE_INFINITY);
      max = Math.max(max, other.max);
    },
    percentiles() {
      if (count === 0) return null;
      return {
        p50: quantile(0.5) ?? 0,
        p90: quantile(0.9) ?? 0,
        p99: quantile(0.99) ?? 0,
        max: Math.round(max),
      };
    },
  };
}

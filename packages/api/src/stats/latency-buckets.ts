import type { LatencyBucket } from '../schemas/job-stats';

/** Lower edges of the latency histogram's bars, ms: fixed, so that two answers compare bar by bar. */
export const LATENCY_EDGES_MS = [
  0, 250, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000,
] as const;

/** Count latencies (ms) into the bars of `LATENCY_EDGES_MS`; the last bar has no upper bound. */
export function latencyBuckets(latencies: Iterable<number>): LatencyBucket[] {
  const buckets: LatencyBucket[] = LATENCY_EDGES_MS.map((from, i) => ({
    from_ms: from,
    to_ms: LATENCY_EDGES_MS[i + 1] ?? null,
    lines: 0,
  }));
  for (const ms of latencies) {
    const bucket = buckets.findLast((b) => ms >= b.from_ms);
    if (bucket !== undefined) bucket.lines += 1;
  }
  return buckets;
}

import { z } from 'zod';

const Count = z.number().int().nonnegative();
const PerMinute = z.number().nonnegative();

/** A rate gate's state for display: the CLI progress line and `summary.json`. */
export const RateGateSnapshot = z.object({
  /** The endpoint key (URL, model, hash of the API key — never the key). */
  key: z.string(),
  /** When this was read, epoch ms. */
  at: z.number(),
  /** What the gate hands out now. */
  allowance: z.object({
    requestsPerMinute: PerMinute,
    inFlight: Count,
    /** Null when no token limit is known. */
    tokensPerMinute: PerMinute.nullable(),
  }),
  /** The configured limits (null: unknown, learned). */
  limits: z.object({
    requestsPerMinute: PerMinute.nullable(),
    tokensPerMinute: PerMinute.nullable(),
    maxInFlight: Count.nullable(),
  }),
  /** Where the endpoint last refused, per limit (null: never). */
  refusedAt: z.object({
    requestsPerMinute: PerMinute.nullable(),
    inFlight: z.number().nonnegative().nullable(),
  }),
  /** Slots held by live leases (calls that may be in flight) and calls reported in flight. */
  inFlight: z.object({ leased: Count, inUse: Count }),
  /** Live leases (worker invocations holding capacity). */
  leases: Count,
  /** Epoch ms until which every caller waits after a 429; null when not paused. */
  pausedUntil: z.number().nullable(),
  /** Average latency of successful calls, ms; null until a few were seen. */
  latencyMs: z.number().nonnegative().nullable(),
  /** Average prompt + completion tokens per successful call; null until one reported usage. */
  tokensPerCall: z.number().nonnegative().nullable(),
  /** Requests per minute the endpoint accepted over the last window. */
  acceptedPerMinute: PerMinute,
  counts: z.object({
    /** Start times handed out. */
    granted: Count,
    succeeded: Count,
    /** 429s reported. */
    rateLimited: Count,
    /** Other failures reported. */
    failed: Count,
    /** Acquires answered "wait". */
    waits: Count,
  }),
  /** Time callers spent waiting for permission, as reported by the holders, ms. */
  waitedMs: z.number().nonnegative(),
  /** Last 429, epoch ms; null when none. */
  lastRateLimitedAt: z.number().nullable(),
});
export type RateGateSnapshot = z.infer<typeof RateGateSnapshot>;

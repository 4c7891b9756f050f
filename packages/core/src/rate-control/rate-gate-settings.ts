import { z } from 'zod';
import { parse } from '../errors/parse';

const Milliseconds = z.number().int().positive();
const PerMinute = z.number().positive();

/**
 * What a provider documents for NVIDIA's trial catalogue (REFERENCE §1): about 40 requests per minute,
 * no published token or concurrency limit, 429 without a documented `Retry-After`.
 */
export const NVIDIA_TRIAL_LIMITS = {
  requestsPerMinute: 40,
  tokensPerMinute: null,
  maxInFlight: null,
  windowMs: 60_000,
} as const;

/**
 * Limits for the built-in simulated endpoint (`thinkbatch run --simulate`), which enforces none and
 * answers in milliseconds: 6,000 requests/min counted over 1 s windows (100 calls/s, far more than a
 * local run needs, so the gate only paces), calls in flight found from latency. A window of 1 s makes
 * the controller take its steps per second, as a time-compressed endpoint wants.
 */
export const LOCAL_SIMULATOR_LIMITS = {
  requestsPerMinute: 6_000,
  tokensPerMinute: null,
  maxInFlight: null,
  windowMs: 1_000,
} as const;

/**
 * Limits of one endpoint (one gate) and the knobs of its controller. A known limit is a ceiling the gate
 * never exceeds; an unknown one (`null`) is found from 429s and latency. Parse with
 * {@link parseRateGateSettings} to fill the defaults, which are NVIDIA's trial tier.
 */
export const RateGateSettings = z.strictObject({
  /** Requests the endpoint admits per minute; null: unknown, found adaptively. @default 40 (NVIDIA trial) */
  requestsPerMinute: PerMinute.nullable().default(NVIDIA_TRIAL_LIMITS.requestsPerMinute),
  /** Tokens (prompt + completion) per minute; null: unknown. @default null */
  tokensPerMinute: PerMinute.nullable().default(NVIDIA_TRIAL_LIMITS.tokensPerMinute),
  /** Calls in flight at once; null: unknown, found adaptively. @default null */
  maxInFlight: z.number().int().positive().nullable().default(NVIDIA_TRIAL_LIMITS.maxInFlight),
  /**
   * The window over which the provider counts its per-minute limits (a sliding or fixed minute for most;
   * shrink it for time-compressed endpoints). The rate controller takes one step per window.
   * @default 60_000
   */
  windowMs: Milliseconds.default(NVIDIA_TRIAL_LIMITS.windowMs),
  /** A call that waited this long for capacity gives up (the line fails `rate_limited`). @default 600_000 */
  longestWaitMs: Milliseconds.default(600_000),
  /**
   * The endpoint sets no limit at all (a self-hosted server; `none` for the limits): calls start without
   * a round trip to the gate's store until one is refused with 429, then the gate learns the limits as
   * for unknown ones (`createUnlimitedRateGate`). Needs the three limits unknown. @default false
   */
  unlimited: z.boolean().default(false),
  /** Starting allowance when `requestsPerMinute` is unknown (then ×1.5 per busy window). @default 20 */
  initialRequestsPerMinute: PerMinute.default(20),
  /** Starting in-flight allowance when `maxInFlight` is unknown and no latency is known yet. @default 4 */
  initialInFlight: z.number().int().positive().default(4),
  /** Hard upper bound of the in-flight allowance, whatever is learned (memory of one process). @default 512 */
  inFlightCap: z.number().int().positive().default(512),
  /**
   * Fraction kept below every limit, known or learned: absorbs network jitter between the gate's schedule
   * and the provider's clock. @default 0.02
   */
  headroom: z.number().min(0).max(0.5).default(0.02),
  /** Multiplicative decrease on a 429 (AIMD's β). @default 0.9 */
  decrease: z.number().gt(0).lt(1).default(0.9),
  /**
   * Calls accepted since the last 429 before the controller probes above the level that failed: one
   * probe costs about one 429, so this bounds the steady-state refused share near 1 / this. @default 100
   */
  probeAfterCalls: z.number().int().positive().default(100),
  /** A `Retry-After` longer than this pauses the gate this long. @default 120_000 */
  maxPauseMs: Milliseconds.default(120_000),
  /** Start times handed out by one acquire, at most (the batch that keeps gate traffic low). @default 8 */
  leaseRequests: z.number().int().positive().default(8),
  /** A lease ends at its holder's `holdUntil`, and at most this long after its last acquire. @default 900_000 */
  maxLeaseMs: Milliseconds.default(900_000),
});
export type RateGateSettings = z.infer<typeof RateGateSettings>;

/** Validate endpoint limit settings and fill the defaults. Throws `ConfigurationError` on an unusable value. */
export function parseRateGateSettings(input: unknown = {}): RateGateSettings {
  return parse(RateGateSettings, input, 'rate gate settings');
}

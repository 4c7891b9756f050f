import type { CallResult, Clock, RandomSource } from '@thinkbatch/core';

/** Limits a simulated endpoint enforces; change them mid-run with `setLimits`. */
export interface SimulatedLimits {
  /** Calls admitted per sliding window; null: unlimited. */
  readonly requestsPerWindow: number | null;
  /** Calls served at once; null: unlimited. */
  readonly maxInFlight: number | null;
  readonly windowMs: number;
  /**
   * Tokens admitted per sliding window, each call charged `tokensChargedPerCall` at admission and never
   * refunded (as OpenAI and the thinkbatch simulator charge prompt + `max_tokens`); null or absent:
   * unlimited. @default null
   */
  readonly tokensPerWindow?: number | null;
  /**
   * While set, every call is refused with a 429 carrying this Retry-After, ms (a provider's hiccup: a
   * short outage that says when to come back, not a lower limit). @default null
   */
  readonly outageRetryAfterMs?: number | null;
}

/** Options of {@link createSimulatedEndpoint}. */
export interface SimulatedEndpointOptions {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly limits: SimulatedLimits;
  /** Median latency of an answered call, ms (log-normal). */
  readonly medianLatencyMs: number;
  /** Spread of ln(latency). @default 0.3 */
  readonly latencySigma?: number;
  /** A 429 comes back after this long. @default 1 */
  readonly refusalLatencyMs?: number;
  /**
   * What a 429 says: the exact wait until a window slot frees (like `retry-after-ms`), that rounded up to
   * whole seconds (like `retry-after`), or nothing (NVIDIA). @default 'none'
   */
  readonly retryAfter?: 'exact' | 'seconds' | 'none';
  /** Prompt + completion tokens of each answer (its `usage`). @default 100 */
  readonly tokensPerCall?: number;
  /** Tokens each call is charged at admission against `tokensPerWindow`. @default tokensPerCall */
  readonly tokensChargedPerCall?: number;
}

/** Counts of a simulated endpoint. */
export interface SimulatedEndpointStats {
  readonly admitted: number;
  readonly refused: number;
  readonly maxInFlight: number;
  /** Admission times (epoch ms), in order. */
  readonly admittedAt: readonly number[];
}

/** An endpoint with a sliding-window rate limit and a concurrency limit, in a clock's time. */
export interface SimulatedEndpoint {
  /** One call: admitted (then answered after its latency) or refused with a 429. */
  call(): Promise<CallResult>;
  setLimits(limits: Partial<SimulatedLimits>): void;
  stats(): SimulatedEndpointStats;
}

/** mulberry32: a small, fast seeded generator for simulations. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function normal(random: RandomSource): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** An endpoint like a provider's (sliding window, as the thinkbatch simulator's), in virtual time. */
export function createSimulatedEndpoint(options: SimulatedEndpointOptions): SimulatedEndpoint {
  const { clock, random } = options;
  let limits = options.limits;
  const sigma = options.latencySigma ?? 0.3;
  // Every call is charged the same, so the tokens in the window are the calls in it times the charge.
  const chargedPerCall = options.tokensChargedPerCall ?? options.tokensPerCall ?? 100;
  const admittedAt: number[] = [];
  let windowStart = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let refused = 0;

  const retryAfterMs = (now: number): number | null => {
    const oldest = admittedAt[windowStart] ?? now;
    const exact = Math.max(1, oldest + limits.windowMs - now);
    switch (options.retryAfter ?? 'none') {
      case 'exact':
        return exact;
      case 'seconds':
        return Math.ceil(exact / 1000) * 1000;
      case 'none':
        return null;
    }
  };

  return {
    call: async () => {
      const now = clock.now();
      while (windowStart < admittedAt.length && (admittedAt[windowStart] ?? now) <= now - limits.windowMs) {
        windowStart += 1;
      }
      const overRate =
        limits.requestsPerWindow !== null && admittedAt.length - windowStart >= limits.requestsPerWindow;
      const tokenLimit = limits.tokensPerWindow ?? null;
      const overTokens =
        tokenLimit !== null && (admittedAt.length - windowStart + 1) * chargedPerCall > tokenLimit;
      const overConcurrency = limits.maxInFlight !== null && inFlight >= limits.maxInFlight;
      const outage = limits.outageRetryAfterMs ?? null;
      if (outage !== null || overRate || overTokens || overConcurrency) {
        refused += 1;
        const hint = outage ?? (overRate || overTokens ? retryAfterMs(now) : null);
        await clock.sleep(options.refusalLatencyMs ?? 1);
        return { kind: 'rate_limited', retryAfterMs: hint };
      }
      admittedAt.push(now);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const latencyMs = Math.max(1, Math.round(options.medianLatencyMs * Math.exp(sigma * normal(random))));
      await clock.sleep(latencyMs);
      inFlight -= 1;
      return { kind: 'succeeded', latencyMs, tokens: options.tokensPerCall ?? 100 };
    },
    setLimits: (change) => {
      limits = { ...limits, ...change };
    },
    stats: () => ({ admitted: admittedAt.length, refused, maxInFlight, admittedAt }),
  };
}

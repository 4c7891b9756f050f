/** Limits of a simulated endpoint. */
export interface RateLimits {
  /** Requests served at once; null: unlimited. */
  readonly maxConcurrency: number | null;
  /** Requests admitted per sliding window; null: unlimited. */
  readonly requestsPerWindow: number | null;
  readonly windowMs: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Outcome of asking to serve one more request. */
export type Admission =
  | { readonly admitted: true; readonly release: () => void }
  | { readonly admitted: false; readonly reason: 'concurrency' | 'rpm'; readonly retryAfterMs: number };

export interface RateLimiter {
  tryAdmit(): Admission;
  readonly inFlight: number;
  readonly maxInFlight: number;
}

/** How long a client refused for concurrency is told to wait: the server cannot know better. */
export const CONCURRENCY_RETRY_AFTER_MS = 1_000;

/**
 * Concurrency limit plus a sliding-window request limit. Only admitted requests count toward the window,
 * and a refused request takes no slot.
 */
export function createRateLimiter(limits: RateLimits): RateLimiter {
  const now = limits.now ?? Date.now;
  const admittedAt: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const prune = (at: number): void => {
    while (admittedAt.length > 0 && (admittedAt[0] ?? at) <= at - limits.windowMs) admittedAt.shift();
  };

  return {
    tryAdmit() {
      const at = now();
      if (limits.maxConcurrency !== null && inFlight >= limits.maxConcurrency) {
        return { admitted: false, reason: 'concurrency', retryAfterMs: CONCURRENCY_RETRY_AFTER_MS };
      }
      prune(at);
      if (limits.requestsPerWindow !== null && admittedAt.length >= limits.requestsPerWindow) {
        const oldest = admittedAt[0] ?? at;
        return { admitted: false, reason: 'rpm', retryAfterMs: Math.max(1, oldest + limits.windowMs - at) };
      }
      admittedAt.push(at);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      let released = false;
      return {
        admitted: true,
        release: () => {
          if (released) return;
          released = true;
          inFlight -= 1;
        },
      };
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

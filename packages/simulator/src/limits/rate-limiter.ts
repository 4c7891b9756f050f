import type { EndpointLimits } from './limit-schedule';
import { createSlidingWindow } from './sliding-window';

/** Which limit refused a request. */
export type RateLimitReason = 'concurrency' | 'rpm' | 'tpm';

export interface RateLimiterOptions {
  /** Length of the sliding window of the request and token limits. */
  readonly windowMs: number;
  /** The limits in force at `at` (ms since the epoch): a limit schedule, or constant limits. */
  readonly limitsAt: (at: number) => EndpointLimits;
  /** @default Date.now */
  readonly now?: () => number;
}

/** A refused request: the first limit that refused it (concurrency, then rpm, then tpm) and when to retry. */
export interface Refusal {
  readonly admitted: false;
  readonly reason: RateLimitReason;
  /** The refusing limit, how much of it is used, and how much this request asked for. */
  readonly limit: number;
  readonly used: number;
  readonly requested: number;
  /**
   * ms until every limit that refused would admit this request, as far as the server can tell; null
   * when the request can never be admitted (it alone needs more tokens than `tokensPerMinute`).
   */
  readonly retryAfterMs: number | null;
}

/** Outcome of asking to serve one more request. */
export type Admission =
  | {
      readonly admitted: true;
      /** Free the concurrency slot (idempotent). Window capacity is not freed: it slides. */
      readonly release: () => void;
      /** When the request expects to release its slot: lets concurrency refusals say when to retry. */
      readonly expectReleaseAt: (at: number) => void;
    }
  | Refusal;

export interface RateLimiter {
  /** Admit a request charged `tokens` against the token limit, or say why not. */
  tryAdmit(tokens?: number): Admission;
  readonly inFlight: number;
  readonly maxInFlight: number;
}

/** Retry hint for a concurrency refusal when no request in flight knows when it will finish. */
export const CONCURRENCY_RETRY_AFTER_MS = 1_000;

/** The longest of some waits; null (never) when any of them is. */
function longestWait(waits: readonly (number | null)[]): number | null {
  let longest = 0;
  for (const wait of waits) {
    if (wait === null) return null;
    longest = Math.max(longest, wait);
  }
  return longest;
}

interface Slot {
  expectedReleaseAt: number | null;
}

/**
 * Calls in flight, plus requests and tokens per sliding window, with limits that may change over time.
 * Only admitted requests count toward the window, and a refused request takes no slot. When a limit
 * drops below what the window already holds, requests are refused until enough of it has slid out.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const admitted = createSlidingWindow(options.windowMs);
  const slots = new Set<Slot>();
  let maxInFlight = 0;

  /** ms until `needed` slots are free, from the expected releases of the requests in flight. */
  const concurrencyWait = (at: number, needed: number): number => {
    const expected = [...slots]
      .map((slot) => slot.expectedReleaseAt)
      .filter((release) => release !== null)
      .sort((a, b) => a - b);
    const release = expected[needed - 1];
    return release === undefined ? CONCURRENCY_RETRY_AFTER_MS : Math.max(1, Math.ceil(release - at));
  };

  return {
    tryAdmit(tokens = 0) {
      const at = now();
      const limits = options.limitsAt(at);
      const { requests: windowRequests, tokens: windowTokens } = admitted.load(at);
      const refusals: Omit<Refusal, 'admitted' | 'retryAfterMs'>[] = [];
      const waits: (number | null)[] = [];
      const { maxConcurrency, requestsPerMinute, tokensPerMinute } = limits;
      if (maxConcurrency !== null && slots.size >= maxConcurrency) {
        refusals.push({ reason: 'concurrency', limit: maxConcurrency, used: slots.size, requested: 1 });
        waits.push(concurrencyWait(at, slots.size - Math.ceil(maxConcurrency) + 1));
      }
      if (requestsPerMinute !== null && windowRequests >= requestsPerMinute) {
        refusals.push({ reason: 'rpm', limit: requestsPerMinute, used: windowRequests, requested: 1 });
        waits.push(Math.ceil(admitted.waitForRequests(at, requestsPerMinute)));
      }
      if (tokensPerMinute !== null && windowTokens + tokens > tokensPerMinute) {
        refusals.push({ reason: 'tpm', limit: tokensPerMinute, used: windowTokens, requested: tokens });
        const wait = admitted.waitForTokens(at, tokensPerMinute, tokens);
        waits.push(wait === null ? null : Math.ceil(wait));
      }
      const [first] = refusals;
      if (first !== undefined) {
        return { admitted: false, ...first, retryAfterMs: longestWait(waits) };
      }
      admitted.add(at, tokens);
      const slot: Slot = { expectedReleaseAt: null };
      slots.add(slot);
      maxInFlight = Math.max(maxInFlight, slots.size);
      return {
        admitted: true,
        release: () => void slots.delete(slot),
        expectReleaseAt: (releaseAt) => {
          slot.expectedReleaseAt = releaseAt;
        },
      };
    },
    get inFlight() {
      return slots.size;
    },
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

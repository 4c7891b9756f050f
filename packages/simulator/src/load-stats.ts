import { type LimitPhase, phaseIndexAt } from './limits/limit-schedule';
import type { RateLimitReason } from './limits/rate-limiter';
import { createSlidingWindow, type SlidingWindow } from './limits/sliding-window';

/** 429s of the rate limiter, by the limit that refused. */
export type RateLimitCounts = { readonly [Reason in RateLimitReason]: number };

/**
 * The most load within any one sliding window (`rateWindowMs`, counted as the limiter counts). "Offered"
 * is every chat request that arrived, admitted or refused, with the tokens it would have been charged:
 * what the clients asked for, which the limiter cannot show since it refuses the excess.
 */
export interface WindowPeaks {
  readonly offeredRequests: number;
  readonly offeredTokens: number;
  readonly admittedRequests: number;
  readonly admittedTokens: number;
}

/** A phase of the limit schedule, with the peaks of the windows that ended while it was in force. */
export interface PhaseLoad extends LimitPhase {
  readonly peaks: WindowPeaks;
}

/** What happened within one `rateWindowMs`-long stretch of time. */
export interface LoadBucket {
  /** Start of the bucket, in ms after the simulator started (a multiple of `rateWindowMs`). */
  readonly atMs: number;
  /** Chat requests that arrived, and the tokens they would have been charged. */
  readonly offered: number;
  readonly offeredTokens: number;
  readonly admitted: number;
  readonly admittedTokens: number;
  readonly rateLimited: RateLimitCounts;
  /** Answers completed successfully. */
  readonly succeeded: number;
}

/** The load the endpoint saw, for benchmarks: peaks per window and a time series. */
export interface LoadStats {
  readonly windowMs: number;
  /** Time since the simulator started, on its clock. */
  readonly elapsedMs: number;
  /** Over the whole run. */
  readonly peaks: WindowPeaks;
  /**
   * One per phase of the limit schedule (one in all without a schedule). Right after a limit drops,
   * the window still holds what the phase before admitted, so a phase's peaks may exceed its limits
   * for up to one window even for a client that follows them.
   */
  readonly phases: readonly PhaseLoad[];
  /** One bucket per window-long stretch in which anything happened, in time order (empty ones left out). */
  readonly timeline: readonly LoadBucket[];
}

/** Records chat requests as they arrive, are admitted or refused, and succeed. */
export interface LoadRecorder {
  offered(tokens: number): void;
  admitted(tokens: number): void;
  rateLimited(reason: RateLimitReason): void;
  succeeded(): void;
  snapshot(): LoadStats;
}

export interface LoadRecorderOptions {
  readonly now: () => number;
  /** When the simulator started (the origin of phases and buckets). @default now() at creation */
  readonly startedAt?: number;
  readonly windowMs: number;
  /** Phases of the limit schedule, from time 0. */
  readonly phases: readonly LimitPhase[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const noPeaks = (): Mutable<WindowPeaks> => ({
  offeredRequests: 0,
  offeredTokens: 0,
  admittedRequests: 0,
  admittedTokens: 0,
});

export function createLoadRecorder(options: LoadRecorderOptions): LoadRecorder {
  const { now, windowMs } = options;
  const startedAt = options.startedAt ?? now();
  const peaks = noPeaks();
  const phasePeaks = options.phases.map(noPeaks);
  const buckets = new Map<number, Mutable<LoadBucket> & { rateLimited: Mutable<RateLimitCounts> }>();
  const windows = { offered: createSlidingWindow(windowMs), admitted: createSlidingWindow(windowMs) };

  const bucketAt = (at: number) => {
    const index = Math.max(0, Math.floor((at - startedAt) / windowMs));
    let bucket = buckets.get(index);
    if (bucket === undefined) {
      bucket = {
        atMs: index * windowMs,
        offered: 0,
        offeredTokens: 0,
        admitted: 0,
        admittedTokens: 0,
        rateLimited: { concurrency: 0, rpm: 0, tpm: 0 },
        succeeded: 0,
      };
      buckets.set(index, bucket);
    }
    return bucket;
  };
  /** Add one request to `window` and raise the peaks of the run and of the phase in force. */
  const track = (kind: 'offered' | 'admitted', window: SlidingWindow, at: number, tokens: number): void => {
    window.add(at, tokens);
    const load = window.load(at);
    const phase = phasePeaks[phaseIndexAt(options.phases, at - startedAt)];
    for (const target of phase === undefined ? [peaks] : [peaks, phase]) {
      target[`${kind}Requests`] = Math.max(target[`${kind}Requests`], load.requests);
      target[`${kind}Tokens`] = Math.max(target[`${kind}Tokens`], load.tokens);
    }
  };

  return {
    offered(tokens) {
      const at = now();
      track('offered', windows.offered, at, tokens);
      const bucket = bucketAt(at);
      bucket.offered += 1;
      bucket.offeredTokens += tokens;
    },
    admitted(tokens) {
      const at = now();
      track('admitted', windows.admitted, at, tokens);
      const bucket = bucketAt(at);
      bucket.admitted += 1;
      bucket.admittedTokens += tokens;
    },
    rateLimited(reason) {
      bucketAt(now()).rateLimited[reason] += 1;
    },
    succeeded() {
      bucketAt(now()).succeeded += 1;
    },
    snapshot: () => ({
      windowMs,
      elapsedMs: now() - startedAt,
      peaks: { ...peaks },
      phases: options.phases.map((phase, index) => ({
        ...phase,
        peaks: { ...(phasePeaks[index] ?? noPeaks()) },
      })),
      timeline: [...buckets.values()].map((bucket) => ({
        ...bucket,
        rateLimited: { ...bucket.rateLimited },
      })),
    }),
  };
}

import { ErrorCode } from '../errors/error-code';
import { ThinkbatchError, type ThinkbatchErrorOptions } from '../errors/thinkbatch-error';
import type { CallOutcome } from '../rate-control/rate-controller';
import type { RateGateSnapshot } from '../rate-control/rate-gate-snapshot';

/** Why a caller must wait: the gate is paused by a 429, start times are taken, tokens or slots are used up. */
export type WaitReason = 'paused' | 'requests' | 'tokens' | 'in_flight';

/** A holder's share of the endpoint's in-flight calls. */
export interface Lease {
  /** Chosen by the gate; pass it back on every later call. */
  readonly id: string;
  /** Calls this holder may have in flight at once. */
  readonly slots: number;
  /** Epoch ms; after it the gate takes the slots back (a holder that died frees them). */
  readonly expiresAt: number;
}

/** What a holder tells the gate on every round trip. */
export interface LeaseReport {
  /** Who asks: unique per worker invocation (or process), for display and lease ids. */
  readonly holder: string;
  /** The lease held, or null for none yet. An unknown or expired id is treated as none. */
  readonly leaseId: string | null;
  /** Calls of this holder in flight right now. */
  readonly inUse: number;
  /** Calls finished since the last round trip. A 429 should be reported at once: it pauses every caller. */
  readonly outcomes: readonly CallOutcome[];
  /** Slots handed back (idle and not wanted soon); never more than `slots − inUse`. @default 0 */
  readonly returnSlots?: number;
  /** Start times received but not used (their moment passed). @default 0 */
  readonly unusedStarts?: number;
  /**
   * When those unused starts were due (epoch ms), as many as the holder kept (at most `unusedStarts`):
   * each comes out of the gate's count of the window where the endpoint would have counted its call, so
   * the accepted rate it measures is not inflated by starts a pause made useless. Starts without a time
   * come out of the current moment. @default []
   */
  readonly unusedStartTimes?: readonly number[];
  /** Time the holder's callers spent waiting for permission since the last round trip, ms. @default 0 */
  readonly waitedMs?: number;
}

/** A lease taken, renewed or topped up, with outcomes and unused capacity handed back in the same trip. */
export interface AcquireRequest extends LeaseReport {
  /** Epoch ms the holder stops at (its invocation deadline): the lease never outlives it. */
  readonly holdUntil: number;
  /** Start times received and not yet used: a holder holds at most as many as it has slots. */
  readonly startsHeld: number;
  readonly want: {
    /** Calls it would start now. */
    readonly requests: number;
    /** Slots it needs beyond those it holds. */
    readonly slots: number;
    /** Expected prompt + completion tokens per call (e.g. from `max_tokens`). @default the gate's average */
    readonly tokensPerRequest?: number;
  };
}

/** The gate's answer to an acquire. */
export interface AcquireResult {
  readonly lease: Lease;
  /**
   * Start times (epoch ms, ascending) of the calls permitted, at most as many as asked. Each may be used
   * for one call, not before its time and no later than `graceMs` after it; a start not used by then
   * is lost (report it as `unusedStarts`).
   */
  readonly starts: readonly number[];
  /** Gap between consecutive starts the gate keeps, ms. */
  readonly spacingMs: number;
  /**
   * How late a start may still be used, ms; see `startGraceMs`.
   * @default spacingMs
   */
  readonly graceMs?: number;

  /** When fewer starts than asked were given: when to ask again and why; null when all were given. */
  readonly wait: { readonly until: number; readonly reason: WaitReason } | null;
  /** A 429 paused the gate until then (epoch ms); null when not paused. */
  readonly pausedUntil: number | null;
}

/** The gate's answer to a report or release. */
export interface ReportResult {
  /** The lease after the report (slots may have shrunk when the allowance fell); null when released. */
  readonly lease: Lease | null;
  readonly pausedUntil: number | null;
}

/**
 * Port: the rate gate of one endpoint — one per endpoint URL + model + API key (see `rateGateKey`),
 * shared by every worker and every job that calls it. Workers take capacity in leases rather than per
 * call, so gate traffic stays far below endpoint traffic: a lease holds in-flight slots (until the
 * holder's end, or until handed back) and comes with a few paced start times; outcomes are reported in
 * batches, except a 429, which pauses every holder at once.
 *
 * The gate never hands out more than a known limit (requests per minute over the provider's window,
 * calls in flight, tokens per minute by the callers' estimates) and learns unknown ones from 429s and
 * latency. Implementations: in memory (one process) and DynamoDB (one item per endpoint). Every method
 * is one round trip and applies atomically; failures of the store throw `RateGateError`.
 */
export interface RateGate {
  /** The endpoint key this gate guards. */
  readonly key: string;
  /** Take or renew a lease and ask for slots and start times; hands back outcomes and unused capacity. */
  acquire(request: AcquireRequest): Promise<AcquireResult>;
  /** Hand back outcomes and unused capacity, keeping the lease. */
  report(report: LeaseReport): Promise<ReportResult>;
  /** End the lease: every slot it held goes back. Outcomes in the report are applied first. */
  release(report: LeaseReport): Promise<ReportResult>;
  /** The gate's state for display (CLI progress, `summary.json`). */
  snapshot(): Promise<RateGateSnapshot>;
}

/** The gate's store failed (DynamoDB unreachable, contention that did not settle, a corrupt item). */
export class RateGateError extends ThinkbatchError {
  override name = 'RateGateError';
  constructor(message: string, options: ThinkbatchErrorOptions = {}) {
    super(message, { code: ErrorCode.unknown, ...options });
  }
}

import type { SimulatedUsage } from '../completion/r1-response';

/**
 * How one chat response ended, as the simulator sent it:
 * - `complete`: the whole answer was sent (with or without usage: see `usage`);
 * - `truncated`: a valid start of the answer, then a clean end (no finish, no usage);
 * - `reset`: the connection was cut on purpose, before the status or mid-body;
 * - `rate_limited`: answered 429 (the rate limiter's or a scripted one);
 * - `http_error`: answered another error status (a scripted fault);
 * - `invalid_body`: answered 200 with a body that is not a chat completion;
 * - `client_aborted`: the client went away before the response was complete (its own timeout, a cancel).
 */
export const LEDGER_OUTCOMES = [
  'complete',
  'truncated',
  'reset',
  'rate_limited',
  'http_error',
  'invalid_body',
  'client_aborted',
] as const;
export type LedgerOutcome = (typeof LEDGER_OUTCOMES)[number];

/** One chat completion response the simulator sent (or began to send). */
export interface LedgerEntry {
  /** Order in which responses ended, from 0. */
  readonly seq: number;
  /** The `x-request-id` header of the response: what a client stores as the call's request id. */
  readonly requestId: string;
  /** The completion's `id` (`chatcmpl-…`) when a body was generated, else null. */
  readonly completionId: string | null;
  /** `promptKey(messages)` of the request. */
  readonly promptKey: string;
  /** The `x-thinkbatch-custom-id` request header, when sent. */
  readonly customIdHint: string | null;
  readonly outcome: LedgerOutcome;
  /** HTTP status sent, or null when the connection was cut before any. */
  readonly status: number | null;
  /** Label of the injected fault (`http503`, `missingUsage`, `endlessStream`, …), or null. */
  readonly fault: string | null;
  /**
   * The usage object the client received in full, exactly as sent; null when none reached it (no usage
   * sent, or the body ended or was cut before it). Only `complete` entries can carry usage.
   */
  readonly usage: SimulatedUsage | null;
  /** When the request arrived and when its response ended (simulator clock, epoch ms). */
  readonly startedAt: number;
  readonly endedAt: number;
}

/** The ledger as read: the newest entries (up to the limit) and how many older ones were dropped. */
export interface LedgerSnapshot {
  readonly entries: readonly LedgerEntry[];
  /** Entries dropped because the ledger was full (the oldest first). 0 in any test that checks invariants. */
  readonly dropped: number;
}

/** Records every chat response; bounded to `limit` entries (the oldest are dropped past it). */
export interface TokenLedger {
  record(entry: Omit<LedgerEntry, 'seq'>): void;
  snapshot(): LedgerSnapshot;
}

/** Entries a ledger keeps by default: ample for tests, about 30 MB at worst. @default 100000 */
export const DEFAULT_LEDGER_LIMIT = 100_000;

export function createTokenLedger(limit: number = DEFAULT_LEDGER_LIMIT): TokenLedger {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`ledger limit must be an integer >= 0`);
  let entries: LedgerEntry[] = [];
  let seq = 0;
  let dropped = 0;
  return {
    record: (entry) => {
      entries.push({ seq, ...entry });
      seq += 1;
      // Drop in batches so a full ledger costs O(1) per entry on average.
      if (entries.length > limit + Math.max(1, Math.floor(limit / 4)) || limit === 0) {
        const excess = entries.length - limit;
        dropped += excess;
        entries = entries.slice(excess);
      }
    },
    snapshot: () => {
      const excess = Math.max(0, entries.length - limit);
      return { entries: entries.slice(excess), dropped: dropped + excess };
    },
  };
}

import { ErrorCode } from '../errors/error-code';
import { ThinkbatchError } from '../errors/thinkbatch-error';
import type { Clock } from '../ports/clock';
import { type RateGate, RateGateError, type WaitReason } from '../ports/rate-gate';
import type { CallOutcome, CallResult } from './rate-controller';

/** Options of {@link createRatePermits}. */
export interface RatePermitsOptions {
  readonly gate: RateGate;
  readonly clock: Clock;
  /** Unique per worker invocation (or process). */
  readonly holder: string;
  /** Epoch ms the holder stops at (its invocation deadline): its lease ends then, even if it dies. */
  readonly holdUntil: number;
  /** A call that waited this long for permission gives up (`rate_limited`); see `RateGateSettings.longestWaitMs`. */
  readonly longestWaitMs: number;
  /** Calls of this holder in flight at once, at most (its memory bound). @default 256 */
  readonly maxInFlight?: number;
  /** Outcomes kept before a report round trip; a 429 is reported at once. @default 8 */
  readonly reportEvery?: number;
  /**
   * Longest a holder short of slots backs off before asking again (the gate's suggested wait is kept
   * even when longer): pass the provider's window, the controller's own round. @default 60 000
   */
  readonly maxBackoffMs?: number;
}

/** Options of one {@link RatePermits.take}. */
export interface TakeOptions {
  /** Stop waiting when it aborts (the promise rejects with its reason). */
  readonly signal?: AbortSignal;
  /** Epoch ms after which waiting is pointless (the job's deadline, the invocation's reserve). */
  readonly deadline?: number;
  /** Expected prompt + completion tokens of the call (e.g. its `max_tokens`), for token limits. */
  readonly tokens?: number;
}

/** Permission for one call: report what the endpoint did, or that no call was made, exactly once. */
export interface Permit {
  /** When the call was allowed to start (epoch ms). */
  readonly startedAt: number;
  /**
   * Report what the endpoint did. `calledAt`: when the call was really made (epoch ms), if later than
   * the permit; how late calls come after their start times is slack a known limit must keep.
   */
  finish(result: CallResult, calledAt?: number): Promise<void>;
  /**
   * No call was made after all (the line turned out recorded or held by another delivery): the slot goes
   * back and the start time counts as unused, so the gate learns nothing from it.
   */
  cancel(): Promise<void>;
}

/**
 * The answer to a take: a permit, or a wait that ran out (the line fails `rate_limited`, or its worker
 * hands it back). `until`: the gate is paused by a 429 until then (epoch ms), past the take's limit, so
 * the take answered at once instead of sleeping to its limit; null when the wait's end is not known.
 */
export type PermitDecision =
  | { readonly kind: 'granted'; readonly permit: Permit; readonly waitedMs: number }
  | {
      readonly kind: 'rate_limited';
      readonly waitedMs: number;
      readonly reason: WaitReason;
      readonly until: number | null;
    };

/** One holder's side of a rate gate: per-call permits from leases taken in batches. */
export interface RatePermits {
  /**
   * Wait for permission to start one call (bounded by the longest wait and the deadline). Answers
   * `rate_limited` at once when a 429 paused the gate past that bound.
   */
  take(options?: TakeOptions): Promise<PermitDecision>;
  /**
   * Start times the gate handed this holder that are still to come (not used, not past their grace):
   * the gate's schedule does not rewind, so a holder that gives up its lines while holding one loses it.
   */
  readonly startsHeld: number;
  /** Report what is left and hand the lease back. */
  close(): Promise<void>;
}

/** A holder that keeps getting nothing waits at most 2^5 times what the gate suggested. */
const MAX_BACKOFF_DOUBLINGS = 6;

interface Start {
  readonly at: number;
  readonly until: number;
}

/**
 * Per-call permits on top of a {@link RateGate}, for one holder (a worker invocation): a call starts
 * only with a slot of the holder's lease and one of the paced start times the gate handed out. Slots
 * are kept and reused while calls wait; outcomes go back in batches (a 429 at once, pausing everyone);
 * only one round trip to the gate is in flight at a time, so gate traffic grows with leases, not calls.
 */
export function createRatePermits(options: RatePermitsOptions): RatePermits {
  const { gate, clock, holder, holdUntil, longestWaitMs } = options;
  const maxInFlight = options.maxInFlight ?? 256;
  const reportEvery = options.reportEvery ?? 8;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;

  let leaseId: string | null = null;
  let slots = 0;
  let expiresAt = 0;
  let inUse = 0;
  let waiting = 0;
  const starts: Start[] = [];
  let outcomes: CallOutcome[] = [];
  let unusedStarts = 0;
  /** When the unused starts were due (the first `MAX_UNUSED_TIMES` of them). */
  let unusedStartTimes: number[] = [];
  let waitedMs = 0;
  let askAfter = 0;
  let pausedUntil = 0;
  /** How late the gate lets a start be used: a call made later is reported at once (see `finish`). */
  let lastGraceMs = Number.POSITIVE_INFINITY;
  let lastReason: WaitReason = 'requests';
  /** The gate said slots are short: a finished call of ours is worth asking again for. */
  let waitingForSlots = false;
  /** Acquires in a row that got nothing: the wait before the next one doubles (up to 32 ×). */
  let emptyStreak = 0;
  let trip: Promise<void> | null = null;
  /** Whether a call of this holder was answered yet. */
  let answered = false;
  /** Round trips in a row that found the gate's store busy (see `isGateBusy`). */
  let busyStreak = 0;
  const wakers = new Set<AbortController>();

  const noteUnused = (at: number): void => {
    unusedStarts += 1;
    if (unusedStartTimes.length < MAX_UNUSED_TIMES) unusedStartTimes.push(at);
  };

  const heldSlots = (now: number): number => (now < expiresAt ? slots : 0);

  const dropStarts = (now: number): void => {
    while (starts.length > 0) {
      const first = starts[0];
      if (first === undefined || (first.until > now && first.at >= pausedUntil)) break;
      starts.shift();
      noteUnused(first.at);
    }
  };

  const wake = (): void => {
    for (const waker of wakers) waker.abort();
    wakers.clear();
  };

  /** Sleep, woken early by a finished call; rethrows only the caller's own abort. */
  const nap = async (ms: number, signal: AbortSignal | undefined): Promise<void> => {
    if (ms <= 0) return;
    const waker = new AbortController();
    wakers.add(waker);
    try {
      await clock.sleep(ms, signal === undefined ? waker.signal : AbortSignal.any([signal, waker.signal]));
    } catch (error) {
      if (signal?.aborted === true) throw error;
    } finally {
      wakers.delete(waker);
    }
  };

  const notePause = (until: number | null): void => {
    if (until === null || until <= pausedUntil) return;
    pausedUntil = until;
    askAfter = Math.max(askAfter, until);
    dropStarts(clock.now());
  };

  /** Hand over what was collected; put it back if the round trip fails. */
  const collect = () => {
    const taken = { outcomes, unusedStarts, unusedStartTimes, waitedMs };
    outcomes = [];
    unusedStarts = 0;
    unusedStartTimes = [];
    waitedMs = 0;
    return {
      taken,
      restore: () => {
        outcomes = [...taken.outcomes, ...outcomes];
        unusedStarts += taken.unusedStarts;
        unusedStartTimes = [...taken.unusedStartTimes, ...unusedStartTimes].slice(0, MAX_UNUSED_TIMES);
        waitedMs += taken.waitedMs;
      },
    };
  };

  /** Run round trips one at a time. */
  const exclusive = (run: () => Promise<void>): Promise<void> => {
    const previous = trip ?? Promise.resolve();
    const next = previous.then(run, run);
    const tracked = next.finally(() => {
      if (trip === tracked) trip = null;
    });
    trip = tracked;
    return tracked;
  };

  const acquire = async (tokens: number | undefined): Promise<void> => {
    const now = clock.now();
    dropStarts(now);
    const { taken, restore } = collect();
    try {
      const result = await gate.acquire({
        holder,
        leaseId,
        inUse,
        outcomes: taken.outcomes,
        unusedStarts: taken.unusedStarts,
        unusedStartTimes: taken.unusedStartTimes,
        waitedMs: taken.waitedMs,
        holdUntil,
        startsHeld: starts.length,
        want: {
          requests: Math.max(0, waiting - starts.length),
          slots: Math.max(
            0,
            Math.min(maxInFlight, inUse + Math.max(waiting, starts.length)) - heldSlots(now),
          ),
          ...(tokens === undefined ? {} : { tokensPerRequest: tokens }),
        },
      });
      const after = clock.now();
      // Short of slots and given none: back off, doubling, so holders without slots do not poll — but
      // never past `maxBackoffMs`: slots another holder frees (its lines done) are found within it.
      const starved = result.wait?.reason === 'in_flight' && result.lease.slots <= heldSlots(now);
      emptyStreak = starved ? Math.min(emptyStreak + 1, MAX_BACKOFF_DOUBLINGS) : 0;
      leaseId = result.lease.id;
      slots = result.lease.slots;
      expiresAt = result.lease.expiresAt;
      const graceMs = Math.max(1, result.graceMs ?? result.spacingMs);
      lastGraceMs = graceMs;
      for (const at of result.starts) starts.push({ at, until: at + graceMs });
      askAfter =
        result.wait === null
          ? after
          : after +
            Math.max(
              result.wait.until - after,
              Math.min(maxBackoffMs, (result.wait.until - after) * 2 ** Math.max(0, emptyStreak - 1)),
            );
      waitingForSlots = result.wait?.reason === 'in_flight';
      if (result.wait !== null) lastReason = result.wait.reason;
      notePause(result.pausedUntil);
    } catch (error) {
      restore();
      throw error;
    }
  };

  const report = async (): Promise<void> => {
    if (leaseId === null && outcomes.length === 0) return;
    const { taken, restore } = collect();
    const now = clock.now();
    try {
      const result = await gate.report({
        holder,
        leaseId,
        inUse,
        outcomes: taken.outcomes,
        unusedStarts: taken.unusedStarts,
        unusedStartTimes: taken.unusedStartTimes,
        waitedMs: taken.waitedMs,
        returnSlots: waiting === 0 ? Math.max(0, heldSlots(now) - inUse) : 0,
      });
      leaseId = result.lease?.id ?? null;
      slots = result.lease?.slots ?? 0;
      expiresAt = result.lease?.expiresAt ?? 0;
      notePause(result.pausedUntil);
    } catch (error) {
      restore();
      throw error;
    }
  };

  const finish = async (outcome: CallOutcome): Promise<void> => {
    inUse -= 1;
    outcomes.push(outcome);
    if (waitingForSlots) {
      waitingForSlots = false;
      askAfter = Math.max(pausedUntil, clock.now());
    }
    wake();
    // Outcomes ride on the next acquire; a report of its own only for a 429, a call made late, a long
    // batch, the end, this holder's first answer (the gate's first latency may set its pace, see
    // `rateRules`), or a slot nobody here waits for (this holder's lines are running out): handed back at
    // once, another holder's lines can use it.
    const idle = inUse === 0 && waiting === 0;
    const spare = waiting === 0 && heldSlots(clock.now()) > inUse;
    const firstAnswer = !answered && outcome.kind === 'succeeded';
    if (outcome.kind === 'succeeded') answered = true;
    // A call made later than its start's grace: the gate may still move its schedule (`late-call-gap.ts`).
    const late = (outcome.lateMs ?? 0) > lastGraceMs;
    if (
      outcome.kind === 'rate_limited' ||
      outcomes.length >= reportEvery ||
      idle ||
      spare ||
      firstAnswer ||
      late
    ) {
      // A busy store keeps the outcomes (restored) for the next round trip rather than fail the call's line.
      await exclusive(report).catch(rethrowUnlessBusy);
    }
  };

  /** A permit given back unused: its slot is free again, its start is reported unused. */
  const cancel = async (dueAt: number): Promise<void> => {
    inUse -= 1;
    noteUnused(dueAt);
    wake();
    if (inUse === 0 && waiting === 0) await exclusive(report).catch(rethrowUnlessBusy);
  };

  const permit = (startedAt: number, inFlightAtStart: number, scheduledAt: number): Permit => {
    let finished = false;
    const once = (): void => {
      if (finished) throw new ThinkbatchError('a permit is finished once');
      finished = true;
    };
    return {
      startedAt,
      finish: async (result, calledAt) => {
        once();
        const lateMs = Math.max(0, Math.max(startedAt, calledAt ?? startedAt) - scheduledAt);
        await finish({ ...result, startedAt, inFlightAtStart, lateMs });
      },
      cancel: async () => {
        once();
        await cancel(scheduledAt);
      },
    };
  };

  return {
    get startsHeld() {
      dropStarts(clock.now());
      return starts.length;
    },
    take: async (takeOptions = {}) => {
      const { signal, tokens } = takeOptions;
      const started = clock.now();
      const limit = Math.min(takeOptions.deadline ?? Number.POSITIVE_INFINITY, started + longestWaitMs);
      waiting += 1;
      try {
        for (;;) {
          signal?.throwIfAborted();
          const now = clock.now();
          dropStarts(now);
          const start = starts[0];
          const slotFree = inUse < heldSlots(now);
          if (start !== undefined && start.at <= now && slotFree) {
            starts.shift();
            inUse += 1;
            waitedMs += now - started;
            return { kind: 'granted', permit: permit(now, inUse, start.at), waitedMs: now - started };
          }
          if (now >= limit) {
            waitedMs += now - started;
            return { kind: 'rate_limited', waitedMs: now - started, reason: lastReason, until: null };
          }
          if (pausedUntil >= limit) {
            // A 429 paused everyone past this take's limit: say so now rather than sleep to the limit.
            waitedMs += now - started;
            return { kind: 'rate_limited', waitedMs: now - started, reason: 'paused', until: pausedUntil };
          }
          // A start of ours is coming and a slot is free: wait for its moment, not for a round trip in
          // flight (which could make the call late, and a late call crowds the provider's window).
          if (start !== undefined && slotFree) {
            await nap(Math.min(start.at, limit) - now, signal);
            continue;
          }
          if (trip !== null) {
            await trip.catch(rethrowUnlessBusy);
            continue;
          }
          let until: number;
          if (now < askAfter) until = askAfter;
          else {
            await exclusive(() => acquire(tokens)).then(
              () => {
                busyStreak = 0;
              },
              (error: unknown) => {
                rethrowUnlessBusy(error);
                // Many holders raced for the gate's item: ask again after a back-off, as for no capacity.
                busyStreak = Math.min(busyStreak + 1, MAX_BACKOFF_DOUBLINGS);
                askAfter = clock.now() + Math.min(maxBackoffMs, BUSY_BACKOFF_MS * 2 ** (busyStreak - 1));
              },
            );
            continue;
          }
          await nap(Math.min(until, limit) - now, signal);
        }
      } finally {
        waiting -= 1;
      }
    },
    close: async () => {
      await exclusive(async () => {
        const { taken, restore } = collect();
        try {
          await gate.release({
            holder,
            leaseId,
            inUse,
            outcomes: taken.outcomes,
            unusedStarts: taken.unusedStarts + starts.length,
            unusedStartTimes: [...taken.unusedStartTimes, ...starts.map((s) => s.at)].slice(
              0,
              MAX_UNUSED_TIMES,
            ),
            waitedMs: taken.waitedMs,
          });
        } catch (error) {
          restore();
          throw error;
        }
        starts.length = 0;
        leaseId = null;
        slots = 0;
        expiresAt = 0;
      });
    },
  };
}

/** Due times of unused starts kept for one round trip, at most (the rest count as unused now). */
const MAX_UNUSED_TIMES = 64;

/** First back-off after the gate's store was busy, doubled per busy round trip in a row. */
const BUSY_BACKOFF_MS = 25;

/**
 * The gate's store was busy (`unavailable`: a conditional write that kept losing to other holders, or a
 * throttled store): a reason to ask again later, never to fail a line. Other failures are rethrown.
 */
export function isGateBusy(error: unknown): boolean {
  return error instanceof RateGateError && error.code === ErrorCode.unavailable;
}

function rethrowUnlessBusy(error: unknown): void {
  if (!isGateBusy(error)) throw error;
}

import type { Clock } from '../ports/clock';
import type { RateGates } from '../rate-control/rate-gates';
import {
  createRatePermits,
  type PermitDecision,
  type RatePermits,
  type TakeOptions,
} from '../rate-control/rate-permits';

/** One invocation's permits for its lines' endpoint calls: a holder of each model's gate. */
export interface LinePermits {
  /** Wait for permission to call `model` once (see `RatePermits.take`). */
  take(model: string, options?: TakeOptions): Promise<PermitDecision>;
  /** Calls of this invocation holding a permit now: lines in flight follow it. */
  readonly inCall: number;
  /** When this invocation was last granted a permit (epoch ms), null before the first. */
  readonly lastGrantedAt: number | null;
  /** Start times this invocation's gate holders were handed and have still to use (see `RatePermits`). */
  readonly startsHeld: number;
  /** Hand every lease back (the invocation ends). A failure is the gate's to recover: leases expire. */
  close(): Promise<void>;
}

/** Options of {@link createLinePermits}. */
export interface LinePermitsOptions {
  readonly gates: RateGates;
  readonly clock: Clock;
  /** Unique per invocation: names its leases in the gates. */
  readonly holder: string;
  /** The invocation's deadline (epoch ms): its leases end then, even if it dies. */
  readonly holdUntil: number;
  /** Calls in flight at once, at most, per gate (the invocation's memory bound). */
  readonly maxInFlight: number;
  /** Called when `inCall` changed (a permit granted, finished or cancelled). */
  readonly onChange?: () => void;
}

/**
 * The worker side of the rate gates for one invocation: a `RatePermits` holder per model, made on first
 * use, counting the calls that hold a permit so the invocation can let in as many lines as the gates
 * grant.
 */
export function createLinePermits(options: LinePermitsOptions): LinePermits {
  const { gates, clock, holder, holdUntil, maxInFlight, onChange } = options;
  const holders = new Map<string, RatePermits>();
  let inCall = 0;
  let lastGrantedAt: number | null = null;
  const change = (delta: number): void => {
    inCall += delta;
    onChange?.();
  };
  const holderFor = (model: string): RatePermits => {
    let permits = holders.get(model);
    if (permits === undefined) {
      permits = createRatePermits({
        gate: gates.forModel(model),
        clock,
        holder,
        holdUntil,
        longestWaitMs: gates.settings.longestWaitMs,
        maxBackoffMs: gates.settings.windowMs,
        maxInFlight,
      });
      holders.set(model, permits);
    }
    return permits;
  };
  return {
    get inCall() {
      return inCall;
    },
    get lastGrantedAt() {
      return lastGrantedAt;
    },
    get startsHeld() {
      let held = 0;
      for (const permits of holders.values()) held += permits.startsHeld;
      return held;
    },
    take: async (model, takeOptions) => {
      const decision = await holderFor(model).take(takeOptions);
      if (decision.kind !== 'granted') return decision;
      lastGrantedAt = clock.now();
      change(1);
      const { permit } = decision;
      let done = false;
      const settle = (): void => {
        if (done) return;
        done = true;
        change(-1);
      };
      return {
        ...decision,
        permit: {
          startedAt: permit.startedAt,
          finish: (result, calledAt) => {
            settle();
            return permit.finish(result, calledAt);
          },
          cancel: () => {
            settle();
            return permit.cancel();
          },
        },
      };
    },
    close: async () => {
      const all = [...holders.values()];
      holders.clear();
      const closed = await Promise.allSettled(all.map((permits) => permits.close()));
      const failed = closed.find((c) => c.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}

import type { CallResult, RateGate } from '@thinkbatch/core';
import { createRatePermits } from '@thinkbatch/core';
import type { SimulatedEndpoint, SimulatedLimits } from './simulated-endpoint';
import type { VirtualClock } from './virtual-clock';

/** One call the simulated workers made. */
export interface SimulatedCall {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly holder: string;
  readonly outcome: CallResult;
}

/** Options of {@link runGateSimulation}. */
export interface GateSimulationOptions {
  readonly clock: VirtualClock;
  /** The gate each worker uses (the same object, or one per worker on a shared store). */
  readonly gateFor: (holder: string) => RateGate;
  readonly endpoint: SimulatedEndpoint;
  /** Worker invocations, each with its own lease. */
  readonly workers: number;
  /** Lines each worker runs at once (its demand). */
  readonly linesPerWorker: number;
  readonly durationMs: number;
  /** Limit changes of the endpoint, at offsets from the start (ms). @default [] */
  readonly changes?: readonly { readonly atMs: number; readonly limits: Partial<SimulatedLimits> }[];
  /** Longest wait for one permit. @default durationMs */
  readonly longestWaitMs?: number;
  /**
   * Calls reach the endpoint up to this long after their permit (uniformly at random, from `random`): a
   * busy machine's late timers and the work between a permit and the request. @default 0
   */
  readonly lateCallsMs?: number;
  /**
   * Besides `lateCallsMs`, this share of calls comes `ms` late (a busy machine's rare stall: a GC pause,
   * a descheduled process). @default none
   */
  readonly rareLateCalls?: { readonly share: number; readonly ms: number };
  /**
   * This share of calls reaches the endpoint `ms` after the call was made (and after `lateCallsMs` and
   * `rareLateCalls`): the work a permit cannot see — the SDK's request building, the HTTP path, a busy
   * event loop before the write. The gate sees it only through the send time (`reportSendTime`).
   * @default none
   */
  readonly lateAfterCall?: { readonly share: number; readonly ms: number };
  /**
   * Report each call's send time to the permit, as the pipeline does with a model client that reports it
   * (`ModelCallResult.sentAt`); false reports the time the call was made, before `lateAfterCall`.
   * @default true
   */
  readonly reportSendTime?: boolean;
  /** Random numbers in [0, 1) for `lateCallsMs`, `rareLateCalls` and `lateAfterCall`. @default Math.random */
  readonly random?: () => number;
  /** Longest back-off of a holder short of slots (`RatePermitsOptions.maxBackoffMs`; the pipeline passes the window). @default the permits' own */
  readonly maxBackoffMs?: number;
  /** Tokens each take asks for (`TakeOptions.tokens`: prompt + `max_tokens`). @default none */
  readonly tokensPerTake?: number;
  /**
   * A job of this many lines, shared by all workers: a line is retried until it succeeds, and a worker's
   * lines stop when none is left to start (see {@link jobFigures}). @default unbounded (saturated demand)
   */
  readonly totalLines?: number;
}

/** What happened: every call, and the round trips the workers made to the gate. */
export interface GateSimulationResult {
  readonly startedAt: number;
  readonly calls: readonly SimulatedCall[];
  readonly gateTrips: number;
  /** Takes that ended `rate_limited` before the end of the run. */
  readonly gaveUp: number;
}

/** Count the round trips to a gate, and hold virtual time still while each runs. */
function tracked(gate: RateGate, clock: VirtualClock, onTrip: () => void): RateGate {
  return {
    key: gate.key,
    acquire: (request) => {
      onTrip();
      return clock.track(() => gate.acquire(request));
    },
    report: (report) => {
      onTrip();
      return clock.track(() => gate.report(report));
    },
    release: (report) => {
      onTrip();
      return clock.track(() => gate.release(report));
    },
    snapshot: () => clock.track(() => gate.snapshot()),
  };
}

/**
 * Saturated demand against a simulated endpoint: every line of every worker takes a permit, calls, and
 * reports, until the end. A 429'd line simply takes another permit (429s never cost a line).
 */
export async function runGateSimulation(options: GateSimulationOptions): Promise<GateSimulationResult> {
  const { clock, endpoint, durationMs } = options;
  const startedAt = clock.now();
  const end = startedAt + durationMs;
  const calls: SimulatedCall[] = [];
  let gateTrips = 0;
  let gaveUp = 0;
  let unstarted = options.totalLines ?? Number.POSITIVE_INFINITY;

  const worker = async (index: number): Promise<void> => {
    const holder = `worker-${index}`;
    const gate = tracked(options.gateFor(holder), clock, () => {
      gateTrips += 1;
    });
    const permits = createRatePermits({
      gate,
      clock,
      holder,
      holdUntil: end + 60_000,
      longestWaitMs: options.longestWaitMs ?? durationMs,
      ...(options.maxBackoffMs === undefined ? {} : { maxBackoffMs: options.maxBackoffMs }),
    });
    const takeOptions = {
      deadline: end,
      ...(options.tokensPerTake === undefined ? {} : { tokens: options.tokensPerTake }),
    };
    const line = async (): Promise<void> => {
      let succeeded = true;
      while (clock.now() < end) {
        if (succeeded) {
          if (unstarted <= 0) break;
          unstarted -= 1;
        }
        const decision = await permits.take(takeOptions);
        if (decision.kind === 'rate_limited') {
          if (clock.now() < end) gaveUp += 1;
          succeeded = false;
          continue;
        }
        const random = options.random ?? Math.random;
        const rare = options.rareLateCalls;
        const lateMs =
          rare !== undefined && random() < rare.share ? rare.ms : (options.lateCallsMs ?? 0) * random();
        if (lateMs > 0) await clock.sleep(lateMs);
        const calledAt = clock.now();
        const after = options.lateAfterCall;
        if (after !== undefined && random() < after.share) await clock.sleep(after.ms);
        const callStart = clock.now();
        const outcome = await endpoint.call();
        calls.push({ startedAt: callStart, endedAt: clock.now(), holder, outcome });
        succeeded = outcome.kind === 'succeeded';
        await decision.permit.finish(outcome, options.reportSendTime === false ? calledAt : callStart);
      }
    };
    await Promise.all(Array.from({ length: options.linesPerWorker }, line));
    await permits.close();
  };

  const changes = (options.changes ?? []).map(async (change) => {
    await clock.sleep(change.atMs);
    endpoint.setLimits(change.limits);
  });
  const done = Promise.all([...Array.from({ length: options.workers }, (_, i) => worker(i)), ...changes]);
  await clock.runUntil(end + 120_000);
  await done;
  return { startedAt, calls, gateTrips, gaveUp };
}

/** Goodput and refusals of the calls started in [fromMs, toMs) after the start. */
export interface PhaseFigures {
  /** Successful calls per second. */
  readonly succeededPerSecond: number;
  /** Share of calls refused with a 429. */
  readonly refusedShare: number;
  readonly calls: number;
}

/** Figures of one phase of a simulation. */
export function phaseFigures(result: GateSimulationResult, fromMs: number, toMs: number): PhaseFigures {
  const from = result.startedAt + fromMs;
  const to = result.startedAt + toMs;
  const inPhase = result.calls.filter((c) => c.startedAt >= from && c.startedAt < to);
  const succeeded = inPhase.filter((c) => c.outcome.kind === 'succeeded').length;
  const refused = inPhase.filter((c) => c.outcome.kind === 'rate_limited').length;
  return {
    succeededPerSecond: (succeeded * 1000) / (toMs - fromMs),
    refusedShare: inPhase.length === 0 ? 0 : refused / inPhase.length,
    calls: inPhase.length,
  };
}

/** A job's figures (a run with `totalLines`): from its first call to its last answer, as the bench counts. */
export interface JobFigures {
  readonly succeeded: number;
  readonly refused: number;
  /** From the first call's start to the last successful answer, ms. */
  readonly activeMs: number;
  /** Lines answered per second of `activeMs`. */
  readonly succeededPerSecond: number;
}

/** Figures of a whole simulated job. */
export function jobFigures(result: GateSimulationResult): JobFigures {
  const answered = result.calls.filter((c) => c.outcome.kind === 'succeeded');
  const first = Math.min(...result.calls.map((c) => c.startedAt));
  const last = Math.max(...answered.map((c) => c.endedAt));
  const activeMs = answered.length === 0 ? 0 : last - first;
  return {
    succeeded: answered.length,
    refused: result.calls.filter((c) => c.outcome.kind === 'rate_limited').length,
    activeMs,
    succeededPerSecond: activeMs === 0 ? 0 : (answered.length * 1000) / activeMs,
  };
}

/** The most calls started within any window of `windowMs` (half-open), and the most in flight at once. */
export function peakLoad(
  calls: readonly SimulatedCall[],
  windowMs: number,
): { readonly perWindow: number; readonly inFlight: number } {
  const starts = calls.map((c) => c.startedAt).sort((a, b) => a - b);
  let perWindow = 0;
  let first = 0;
  for (let last = 0; last < starts.length; last += 1) {
    while ((starts[first] ?? 0) <= (starts[last] ?? 0) - windowMs) first += 1;
    perWindow = Math.max(perWindow, last - first + 1);
  }
  const events = calls
    .flatMap((c) => [
      { at: c.startedAt, delta: 1 },
      { at: c.endedAt, delta: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let inFlight = 0;
  let peak = 0;
  for (const event of events) {
    inFlight += event.delta;
    peak = Math.max(peak, inFlight);
  }
  return { perWindow, inFlight: peak };
}

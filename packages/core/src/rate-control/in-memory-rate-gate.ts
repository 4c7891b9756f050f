import type { Clock } from '../ports/clock';
import type { RateGate } from '../ports/rate-gate';
import { parseRateGateSettings, type RateGateSettings } from './rate-gate-settings';
import {
  describeGate,
  type GateContext,
  gateAcquire,
  gateRelease,
  gateReport,
  type RateGateState,
  startGateState,
} from './rate-gate-state';

/** Options of {@link createInMemoryRateGate}. */
export interface InMemoryRateGateOptions {
  /** The endpoint key (see `rateGateKey`). */
  readonly key: string;
  /** Limits of the endpoint; missing fields take the defaults of `RateGateSettings`. @default {} */
  readonly settings?: Partial<RateGateSettings>;
  readonly clock: Clock;
}

/** An in-memory gate, with its state readable for tests. */
export interface InMemoryRateGate extends RateGate {
  /** The current state (a snapshot: later transitions do not change it). */
  state(): RateGateState;
}

/**
 * The rate gate in one process's memory: the embedded default's single process and unit tests. Each
 * method applies the same pure transition the DynamoDB gate applies, synchronously, so it is atomic.
 */
export function createInMemoryRateGate(options: InMemoryRateGateOptions): InMemoryRateGate {
  const settings = parseRateGateSettings(options.settings ?? {});
  const { clock, key } = options;
  let state = startGateState(settings, clock.now());
  const context = (): GateContext => ({ now: clock.now(), settings });
  const apply = async <T>(
    transition: (s: RateGateState, c: GateContext) => { state: RateGateState; result: T },
  ) => {
    const next = transition(state, context());
    state = next.state;
    return next.result;
  };
  return {
    key,
    acquire: (request) => apply((s, c) => gateAcquire(s, request, c)),
    report: (report) => apply((s, c) => gateReport(s, report, c)),
    release: (report) => apply((s, c) => gateRelease(s, report, c)),
    snapshot: async () => describeGate(state, key, context()),
    state: () => state,
  };
}

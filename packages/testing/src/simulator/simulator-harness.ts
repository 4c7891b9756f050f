import { type RunningSimulator, type SimulatorOptions, startSimulator } from '@thinkbatch/simulator';
import { createManualClock, type ManualClock } from './manual-clock';

/** A simulator under test, with the clock it waits on. */
export interface TestSimulator extends RunningSimulator {
  readonly clock: ManualClock;
}

/** Starts simulators for one test file and closes them all between tests. */
export interface SimulatorHarness {
  /**
   * A simulator on its own manual clock (time only moves when the test says so) and, unless the options
   * say otherwise, no latency.
   */
  start(options?: Omit<SimulatorOptions, 'clock'>): Promise<TestSimulator>;
  /** Close every simulator started so far; pass to `afterEach`. */
  closeAll(): Promise<void>;
}

export function createSimulatorHarness(): SimulatorHarness {
  const running: RunningSimulator[] = [];
  return {
    async start(options = {}) {
      const clock = createManualClock();
      const simulator = await startSimulator({ latency: { kind: 'fixed', ms: 0 }, clock, ...options });
      running.push(simulator);
      return { ...simulator, clock };
    },
    async closeAll() {
      await Promise.all(running.splice(0).map((simulator) => simulator.close()));
    },
  };
}

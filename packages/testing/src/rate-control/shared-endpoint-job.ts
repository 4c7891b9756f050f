import type { RateGate } from '@thinkbatch/core';
import { type GateSimulationOptions, jobFigures, runGateSimulation } from './rate-gate-simulation';
import { createSimulatedEndpoint, seededRandom } from './simulated-endpoint';
import { createVirtualClock, type VirtualClock } from './virtual-clock';

/** What bench (e) as a job gave, averaged over its seeds. */
export interface SharedEndpointJobFigures {
  /** 429s a run. */
  readonly refusedPerRun: number;
  /** Succeeded lines a second ÷ the limit (20/s). */
  readonly goodput: number;
  /** Every run answered all 500 lines. */
  readonly allAnswered: boolean;
}

/**
 * Bench (e) as a job in virtual time, over seeds 1–8: two holders on one gate (`makeGate`), 500 lines,
 * an endpoint limited to 20 calls in a sliding 1 s window with `Retry-After` in whole seconds and
 * ~200 ms answers, calls up to 10 ms late. `options` adds the lateness under study.
 */
export async function simulateSharedEndpointJob(
  makeGate: (clock: VirtualClock) => RateGate,
  options: Pick<GateSimulationOptions, 'rareLateCalls' | 'lateAfterCall' | 'reportSendTime'> = {},
): Promise<SharedEndpointJobFigures> {
  const runs = [];
  for (let seed = 1; seed <= 8; seed += 1) {
    const clock = createVirtualClock();
    const gate = makeGate(clock);
    const endpoint = createSimulatedEndpoint({
      clock,
      random: seededRandom(seed),
      limits: { requestsPerWindow: 20, maxInFlight: null, windowMs: 1_000 },
      medianLatencyMs: 200,
      latencySigma: 0.5,
      retryAfter: 'seconds',
    });
    const result = await runGateSimulation({
      clock,
      gateFor: () => gate,
      endpoint,
      workers: 2,
      linesPerWorker: 16,
      durationMs: 120_000,
      totalLines: 500,
      lateCallsMs: 10,
      random: seededRandom(seed * 7 + 1),
      maxBackoffMs: 1_000,
      ...options,
    });
    runs.push(jobFigures(result));
  }
  return {
    refusedPerRun: runs.reduce((sum, run) => sum + run.refused, 0) / runs.length,
    goodput: runs.reduce((sum, run) => sum + run.succeededPerSecond / 20, 0) / runs.length,
    allAnswered: runs.every((run) => run.succeeded === 500),
  };
}

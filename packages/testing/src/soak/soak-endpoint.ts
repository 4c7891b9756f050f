import type { FaultPlan, SimulatorOptions } from '@thinkbatch/simulator';
import { soakMarker } from './soak-input';
import type { SoakScenario } from './soak-scenario-types';

/** The simulator options that carry out a scenario's endpoint plan (its faults, limits and seed). */
export function soakSimulatorOptions(scenario: SoakScenario): SimulatorOptions {
  const { endpoint } = scenario;
  const tagOf = (job: number): number => {
    const plan = scenario.jobs[job];
    if (plan === undefined) throw new RangeError(`no job ${job} in the scenario`);
    return plan.tag;
  };
  const windows: FaultPlan = ({ requestIndex }) =>
    endpoint.windows.find((w) => requestIndex >= w.fromRequest && requestIndex < w.toRequest)?.fault ?? null;
  return {
    seed: scenario.seed,
    faultRates: endpoint.faultRates,
    slowHeadersMs: endpoint.slowHeadersMs,
    retryAfterFormat: endpoint.retryAfterFormat,
    requestsPerMinute: endpoint.requestsPerWindow,
    rateWindowMs: endpoint.rateWindowMs,
    faultPlan: windows,
    promptFaults: endpoint.lineFaults.map((f) => ({
      match: soakMarker(tagOf(f.job), f.line),
      fault: f.fault,
      ...(f.times !== null && { times: f.times }),
    })),
  };
}

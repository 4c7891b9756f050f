/**
 * The endpoint of the scale benchmark: the simulator at zero latency with one-token answers, so what is
 * measured is the runners' own overhead per line, not the model's time.
 */
import { type RunningSimulator, startSimulator } from '../../packages/simulator/src/index';

/** The simulator's API key for the benchmark (a local, throwaway value). */
export const SCALE_API_KEY = 'scale-bench-key';

/** Start a simulator that answers at once: no latency, one reasoning token, no limits. */
export function startScaleSimulator(): Promise<RunningSimulator> {
  return startSimulator({
    apiKey: SCALE_API_KEY,
    seed: 1,
    latency: { kind: 'fixed', ms: 0 },
    reasoningTokens: { median: 1, sigma: 0, min: 1, max: 1 },
    tokensPerSecond: null,
  });
}

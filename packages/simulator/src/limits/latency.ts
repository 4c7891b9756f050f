import { logNormal, type Random } from '../seeded-random';

/** Time to first token (the wait before anything is generated). */
export type LatencyOptions =
  | { readonly kind: 'fixed'; readonly ms: number }
  /** Log-normal: half the requests wait less than `medianMs`; `sigma` is the spread of ln(ms). */
  | {
      readonly kind: 'lognormal';
      readonly medianMs: number;
      readonly sigma: number;
      readonly maxMs?: number;
    };

/** Inputs of the time one simulated request takes. */
export interface LatencyModel {
  readonly latency: LatencyOptions;
  readonly tokensPerSecond: number | null;
  readonly timeScale: number;
}

/** When a simulated answer appears, in ms after the request was admitted (already scaled). */
export interface Timing {
  /** Wait before the first token: a streamed response sends its headers then. */
  readonly firstTokenMs: number;
  /** Time to generate all tokens after the first: a non-streamed response waits for both. */
  readonly generationMs: number;
}

/** Time to first token in ms, before `timeScale`. */
export function sampleFirstTokenMs(latency: LatencyOptions, random: Random): number {
  if (latency.kind === 'fixed') return latency.ms;
  const ms = logNormal(random, latency.medianMs, latency.sigma);
  return Math.min(ms, latency.maxMs ?? Number.POSITIVE_INFINITY);
}

/** Timing of a request producing `completionTokens` tokens. */
export function sampleTiming(model: LatencyModel, completionTokens: number, random: Random): Timing {
  const firstToken = sampleFirstTokenMs(model.latency, random);
  const generation = model.tokensPerSecond === null ? 0 : (completionTokens / model.tokensPerSecond) * 1000;
  return {
    firstTokenMs: Math.max(0, firstToken * model.timeScale),
    generationMs: Math.max(0, generation * model.timeScale),
  };
}

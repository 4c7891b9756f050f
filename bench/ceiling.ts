/**
 * The most a runner can get through a scenario's endpoint, from its settings alone (Little's law):
 * X ≤ min(C / L, RPM / 60, TPM / (60 · T̄)), here per window: C / L̄, requests per window ÷ window,
 * tokens per window ÷ (T̄ · window). With a limit schedule the ceiling changes over time; a run is
 * measured against its time-weighted mean over the interval the run was active.
 */
import { PROMPT_TOKENS, type Scenario, type WindowLimits } from './scenarios';

/** Which term of the minimum binds. */
export type CeilingBound = 'concurrency' | 'requests' | 'tokens';

export interface Ceiling {
  /** Lines per second. */
  readonly perSecond: number;
  readonly bound: CeilingBound;
}

/** Mean of the scenario's log-normal latency: median × e^(σ²/2). */
export const meanLatencyMs = (scenario: Scenario): number =>
  scenario.latency.medianMs * Math.exp(scenario.latency.sigma ** 2 / 2);

/** Tokens each call is charged at admission: prompt + `max_tokens` (prompts are fixed-length). */
export function tokensPerCall(scenario: Scenario): number | null {
  return scenario.maxTokens === null ? null : PROMPT_TOKENS + scenario.maxTokens;
}

/** The limits in force `atMs` after the simulator started. */
export function limitsAt(scenario: Scenario, atMs: number): WindowLimits {
  let limits = scenario.limits;
  for (const step of scenario.steps) {
    if (step.atMs <= atMs) limits = { ...limits, requestsPerWindow: step.requestsPerWindow };
  }
  return limits;
}

/** The ceiling under constant `limits`. */
export function ceilingFor(scenario: Scenario, limits: WindowLimits): Ceiling {
  const windowSeconds = scenario.windowMs / 1000;
  const terms: { perSecond: number; bound: CeilingBound }[] = [];
  if (limits.maxConcurrency !== null) {
    terms.push({ perSecond: limits.maxConcurrency / (meanLatencyMs(scenario) / 1000), bound: 'concurrency' });
  }
  if (limits.requestsPerWindow !== null) {
    // The simulator admits while fewer than the limit are in the window: 6.67 admits 7.
    terms.push({ perSecond: Math.ceil(limits.requestsPerWindow) / windowSeconds, bound: 'requests' });
  }
  if (limits.tokensPerWindow !== null) {
    const tokens = tokensPerCall(scenario);
    if (tokens === null) throw new Error(`scenario ${scenario.id}: a token limit needs max_tokens`);
    terms.push({ perSecond: limits.tokensPerWindow / tokens / windowSeconds, bound: 'tokens' });
  }
  const [lowest] = terms.sort((a, b) => a.perSecond - b.perSecond);
  if (lowest === undefined) throw new Error(`scenario ${scenario.id} has no limit`);
  return lowest;
}

/** The ceiling of each phase of the scenario, from its start (`atMs` after the simulator started). */
export function phaseCeilings(scenario: Scenario): { readonly atMs: number; readonly ceiling: Ceiling }[] {
  const starts = [0, ...scenario.steps.map((step) => step.atMs)];
  return starts.map((atMs) => ({ atMs, ceiling: ceilingFor(scenario, limitsAt(scenario, atMs)) }));
}

/** Time-weighted mean ceiling (lines/s) over `[fromMs, toMs]` after the simulator started. */
export function meanCeiling(scenario: Scenario, fromMs: number, toMs: number): number {
  const phases = phaseCeilings(scenario);
  if (!(toMs > fromMs)) return ceilingFor(scenario, limitsAt(scenario, fromMs)).perSecond;
  let weighted = 0;
  for (const [index, phase] of phases.entries()) {
    const start = Math.max(fromMs, phase.atMs);
    const end = Math.min(toMs, phases[index + 1]?.atMs ?? Number.POSITIVE_INFINITY);
    if (end > start) weighted += phase.ceiling.perSecond * (end - start);
  }
  return weighted / (toMs - fromMs);
}

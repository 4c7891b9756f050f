/**
 * The limits a simulated endpoint enforces at one moment. The request and token limits are counted over
 * a sliding window of `rateWindowMs` (60 s as providers count "per minute"; shrink it to compress time).
 * null: unlimited.
 */
export interface EndpointLimits {
  /** Requests admitted per window. */
  readonly requestsPerMinute: number | null;
  /** Tokens charged per window (see `admissionTokens` for what a request is charged). */
  readonly tokensPerMinute: number | null;
  /** Requests served at once. */
  readonly maxConcurrency: number | null;
}

/**
 * A change of limits at `atMs` after the simulator started (on its clock). Limits the step leaves out
 * keep their value; null lifts a limit.
 */
export interface LimitStep extends Partial<EndpointLimits> {
  readonly atMs: number;
}

/** A step with every limit spelled out. */
export interface LimitPhase extends EndpointLimits {
  /** When the phase starts, in ms after the simulator started. */
  readonly atMs: number;
}

const LIMIT_NAMES = ['requestsPerMinute', 'tokensPerMinute', 'maxConcurrency'] as const;

function checkLimit(name: string, value: number | null | undefined): void {
  if (value !== undefined && value !== null && !(value > 0 && Number.isFinite(value))) {
    throw new RangeError(`simulator option ${name} must be > 0 or null, got ${value}`);
  }
}

/** Phases in time order; the first starts at 0. */
export type LimitPhases = readonly [LimitPhase, ...LimitPhase[]];

/**
 * The phases of a run: the base limits from time 0, then each step (sorted by `atMs`, stable) applied on
 * top of the phase before it. Throws on a negative time or a limit that is not positive (caller bug).
 */
export function resolveLimitPhases(base: EndpointLimits, steps: readonly LimitStep[]): LimitPhases {
  for (const name of LIMIT_NAMES) checkLimit(name, base[name]);
  for (const [index, step] of steps.entries()) {
    if (!(step.atMs >= 0 && Number.isFinite(step.atMs))) {
      throw new RangeError(`simulator option limitSchedule[${index}].atMs must be >= 0, got ${step.atMs}`);
    }
    for (const name of LIMIT_NAMES) checkLimit(`limitSchedule[${index}].${name}`, step[name]);
  }
  let current: LimitPhase = { atMs: 0, ...base };
  const phases: [LimitPhase, ...LimitPhase[]] = [current];
  for (const step of [...steps].sort((a, b) => a.atMs - b.atMs)) {
    const next: { -readonly [K in keyof LimitPhase]: LimitPhase[K] } = { ...current, atMs: step.atMs };
    for (const name of LIMIT_NAMES) {
      const value = step[name];
      if (value !== undefined) next[name] = value;
    }
    // A step at the same time as the phase before it replaces that phase.
    if (current.atMs === next.atMs) phases[phases.length - 1] = next;
    else phases.push(next);
    current = next;
  }
  return phases;
}

/** The phase in force `elapsedMs` after the start (the last one that has begun). */
export function phaseAt(phases: LimitPhases, elapsedMs: number): LimitPhase {
  return phases[phaseIndexAt(phases, elapsedMs)] ?? phases[0];
}

/** Index of the phase in force `elapsedMs` after the start. */
export function phaseIndexAt(phases: readonly LimitPhase[], elapsedMs: number): number {
  let index = 0;
  for (let i = 1; i < phases.length; i += 1) {
    if ((phases[i]?.atMs ?? Number.POSITIVE_INFINITY) <= elapsedMs) index = i;
  }
  return index;
}

import { z } from 'zod';

/**
 * One adaptive limit (requests per minute, or calls in flight), as plain data so it can live in a
 * DynamoDB item. Time advances in rounds: a round is how long a change takes to show in the endpoint's
 * answers (the provider's window for a rate, the call latency for concurrency).
 */
export const LimitEstimate = z.object({
  /** The allowance now. */
  value: z.number().positive(),
  /** The level at which the last 429 was refused, once one was; recovery aims just below it. */
  failedAt: z.number().positive().nullable(),
  /** When that cut happened (epoch ms); refusals of calls started soon after belong to the same episode. */
  cutAt: z.number().nullable(),
  /** Start of the current round (epoch ms). */
  roundStartedAt: z.number(),
  /** Demand exceeded the allowance during the current round: only then may it grow. */
  boundInRound: z.boolean(),
  /** Allowance used during the current round (e.g. start times handed out). */
  usedInRound: z.number().nonnegative(),
  /** Calls accepted by the endpoint since the last cut. */
  acceptedSinceCut: z.number().int().nonnegative(),
  /** Rounds spent at the recovery target without a probe. */
  roundsAtTarget: z.number().int().nonnegative(),
  /** Relative growth of the next probe above the target; doubles with each probe round. */
  probeGain: z.number().nonnegative(),
  /** While probing: the allowance before the last probe step, which a whole round did not refuse. */
  lastGood: z.number().positive().nullable(),
  /** When the allowance last grew past what was known to work (slow start or a probe), epoch ms. */
  probedAt: z.number().nullable(),
  /**
   * Probes refused in a row since the limit last dropped: each doubles the hold before the next probe
   * (0 after a cut that no probe caused, i.e. the limit fell).
   */
  failedProbes: z.number().int().nonnegative().default(0),
  /**
   * The allowance this limit ran at before it last fell (a cut no probe caused), while the allowance is
   * below it: a limit that fell may come back, so probes climb back toward it in a few rounds instead
   * of +1 %, +2 %, +4 %, … Forgotten once reached, or when a probe below it is refused at or above it.
   */
  fellFrom: z.number().positive().nullable().default(null),
  /**
   * The last cut was a timing step (the pace less the headroom, not β: `cutLimit`'s `kind`). Its settle
   * episode answers timing only: a refusal in it that is not timing is a limit that fell, cut at once.
   */
  timingStep: z.boolean().default(false),
});
export type LimitEstimate = z.infer<typeof LimitEstimate>;

/** How one limit moves; everything in the allowance's own unit. */
export interface LimitRules {
  /** Upper bound: a known limit less headroom, or a hard cap. */
  readonly ceiling: number;
  /** Lower bound of the allowance. */
  readonly floor: number;
  /** Length of a round, ms. */
  readonly roundMs: number;
  /**
   * How long after a cut the endpoint still answers traffic sent before it (the provider's window plus
   * start times already handed out), ms: refusals of calls started within it belong to the same episode.
   * @default roundMs
   */
  readonly settleMs?: number;
  /** Multiplicative decrease on a refusal (β). */
  readonly decrease: number;
  /** Fraction kept below the level that failed. */
  readonly headroom: number;
  /** Accepted calls since the last cut before probing above the target (or the hold, in time). */
  readonly probeAfterCalls: number;
  /**
   * Longest hold after a cut before probing, ms, however many probes were refused in a row (e.g. long
   * enough that the pause a refused probe brings stays cheap). @default MAX_HOLD_ROUNDS rounds
   */
  readonly maxHoldMs?: number;
  /** Growth factor per bound round before the first refusal ("slow start"). */
  readonly startGrowth: number;
  /** Slow start grows at least to this (e.g. what Little's law says is needed). @default 0 */
  readonly startFloor?: number;
  /**
   * Use per round (see `countUse`) from which the allowance counts as bound, as if `markBound` had been
   * called: a rate is bound when nearly all of it was handed out. @default never
   */
  readonly usedToBind?: number;
  /** When true, a bound round does not grow the allowance (the endpoint shows queueing). */
  readonly holdGrowth?: boolean;
  /**
   * When false, the allowance recovers to its target but does not probe above it: another limit is
   * probing, and a 429 must be blamed on one of them. @default true
   */
  readonly mayProbe?: boolean;
}

/** First probe step above the target: 1 %, then 2 %, 4 %, … so a raised limit is found in O(log) rounds. */
export const FIRST_PROBE_GAIN = 0.01;
/** A probe at most doubles the allowance in one round. */
const MAX_PROBE_GAIN = 1;
/**
 * After a cut, the allowance holds below the level that failed for this many rounds of time before it
 * probes above it (or until `probeAfterCalls` calls were accepted); each probe refused in a row doubles
 * the hold, up to `maxHoldMs` (default `MAX_HOLD_ROUNDS` rounds). Counted in time, not in calls or busy
 * rounds, so a limit that fell and came back is found again within a few windows however slow the
 * endpoint got, while a limit that stands is probed ever more rarely.
 */
const FIRST_HOLD_ROUNDS = 2;
const MAX_HOLD_ROUNDS = 20;
/**
 * A probe below the level the limit fell from (`fellFrom`) closes this share of the gap to it, doubling
 * with each clean probe round (a quarter, a half, all of it) — or the plain probe step, if larger.
 */
const FIRST_CLIMB_SHARE = 0.25;
/**
 * A refusal while probing whose measured level is below this share of the last good step is a drop, not a
 * refused probe: the endpoint no longer takes what a whole round took just before (a limit that fell
 * 20 → 7 while a step 19.4 → 19.5 was being tried used to read as a refused probe: no cut by β, the
 * hold doubled, and the level it fell from forgotten).
 */
const FELL_BELOW_GOOD = 0.9;
/** Recovery closes at least this fraction of the target per round. */
const MIN_RECOVERY_STEP = 0.03;

/** A fresh estimate at `value`, before any refusal. */
export function startLimit(value: number, now: number): LimitEstimate {
  return {
    value,
    failedAt: null,
    cutAt: null,
    roundStartedAt: now,
    boundInRound: false,
    usedInRound: 0,
    acceptedSinceCut: 0,
    roundsAtTarget: 0,
    probeGain: FIRST_PROBE_GAIN,
    lastGood: null,
    probedAt: null,
    failedProbes: 0,
    fellFrom: null,
    timingStep: false,
  };
}

/**
 * How long the allowance holds after its last cut before probing, ms: `FIRST_HOLD_ROUNDS` rounds,
 * doubled per probe refused in a row, at most `rules.maxHoldMs`.
 */
export function holdMs(estimate: LimitEstimate, rules: LimitRules): number {
  const longest = Math.max(rules.roundMs, rules.maxHoldMs ?? MAX_HOLD_ROUNDS * rules.roundMs);
  const doublings = Math.min(estimate.failedProbes, 30);
  return Math.min(longest, FIRST_HOLD_ROUNDS * 2 ** doublings * rules.roundMs);
}

/**
 * Whether the allowance is being pushed past what is known to work — slow start, or a probe within the
 * last two rounds — so a 429 now is most likely its doing.
 */
export function isProbing(estimate: LimitEstimate, now: number, rules: LimitRules): boolean {
  if (estimate.value >= rules.ceiling) return false;
  return estimate.probedAt !== null && now - estimate.probedAt <= 2 * rules.roundMs;
}

/**
 * Whether a 429 now is most likely this limit's doing: it is probing, or it was cut so recently that
 * the endpoint still answers traffic sent before the cut.
 */
export function isAnswerable(estimate: LimitEstimate, now: number, rules: LimitRules): boolean {
  const settling = estimate.cutAt !== null && now - estimate.cutAt < (rules.settleMs ?? rules.roundMs);
  return settling || isProbing(estimate, now, rules);
}

/** Demand exceeded the allowance: this round may grow it. */
export function markBound(estimate: LimitEstimate): LimitEstimate {
  return estimate.boundInRound ? estimate : { ...estimate, boundInRound: true };
}

/** `amount` more of the allowance was used in this round. */
export function countUse(estimate: LimitEstimate, amount: number): LimitEstimate {
  return { ...estimate, usedInRound: estimate.usedInRound + amount };
}

/** The endpoint accepted `count` more calls. */
export function countAccepted(estimate: LimitEstimate, count: number): LimitEstimate {
  return { ...estimate, acceptedSinceCut: estimate.acceptedSinceCut + count };
}

/** The level recovery aims at after a refusal: just below where it failed, never above the ceiling. */
export function recoveryTarget(estimate: LimitEstimate, rules: LimitRules): number | null {
  if (estimate.failedAt === null) return null;
  return Math.max(rules.floor, Math.min(rules.ceiling, estimate.failedAt * (1 - rules.headroom)));
}

function grow(estimate: LimitEstimate, now: number, rules: LimitRules): LimitEstimate {
  const target = recoveryTarget(estimate, rules);
  if (target === null) {
    const value = Math.min(
      rules.ceiling,
      Math.max(estimate.value * rules.startGrowth, rules.startFloor ?? 0),
    );
    // At the ceiling (a known limit, less its headroom) slow start is over, not probing: the ceiling
    // moves a little with the late-call slack, and following it is not pushing past what is known.
    return { ...estimate, value, probedAt: value >= rules.ceiling ? estimate.probedAt : now };
  }
  if (estimate.value < target) {
    const step = Math.max((target - estimate.value) / 2, target * MIN_RECOVERY_STEP);
    return { ...estimate, value: Math.min(target, estimate.value + step) };
  }
  const heldFor = estimate.cutAt === null ? Number.POSITIVE_INFINITY : now - estimate.cutAt;
  const held = estimate.acceptedSinceCut >= rules.probeAfterCalls || heldFor >= holdMs(estimate, rules);
  if (!held || estimate.roundsAtTarget < 1 || rules.mayProbe === false) {
    return { ...estimate, roundsAtTarget: estimate.roundsAtTarget + 1 };
  }
  const value = Math.min(rules.ceiling, probeStep(estimate));
  return {
    ...estimate,
    value,
    probeGain: Math.min(MAX_PROBE_GAIN, estimate.probeGain * 2),
    lastGood: estimate.value,
    probedAt: now,
    fellFrom: estimate.fellFrom !== null && value < estimate.fellFrom ? estimate.fellFrom : null,
  };
}

/**
 * The next probe's allowance: `probeGain` above the current one, or, below a level the limit fell from,
 * a share of the gap to that level (a quarter, then a half, then all of it), whichever is higher.
 */
function probeStep(estimate: LimitEstimate): number {
  const step = estimate.value * (1 + estimate.probeGain);
  if (estimate.fellFrom === null || estimate.fellFrom <= step) return step;
  const share = Math.min(1, (FIRST_CLIMB_SHARE * estimate.probeGain) / FIRST_PROBE_GAIN);
  return Math.max(step, estimate.value + share * (estimate.fellFrom - estimate.value));
}

/**
 * Close the round if it is over: a round in which demand exceeded the allowance grows it (slow start
 * before the first refusal, then recovery to just below the failed level, then probes of 1 %, 2 %, 4 %, …);
 * an idle round changes nothing, so an allowance that was not used is never inflated.
 */
export function stepLimit(estimate: LimitEstimate, now: number, rules: LimitRules): LimitEstimate {
  const elapsed = now - estimate.roundStartedAt;
  if (elapsed < rules.roundMs) return estimate;
  const used = (estimate.usedInRound * rules.roundMs) / elapsed;
  const bound = estimate.boundInRound || (rules.usedToBind !== undefined && used >= rules.usedToBind);
  const grown = bound && rules.holdGrowth !== true ? grow(estimate, now, rules) : estimate;
  return {
    ...grown,
    value: Math.min(grown.value, rules.ceiling),
    roundStartedAt: now,
    boundInRound: false,
    usedInRound: 0,
  };
}

/**
 * What a refusal is cut for: a lower `limit`, or `timing` — a refusal at a known limit the endpoint still
 * took about all of, which the caller steps down by the headroom only (its `rules.decrease`).
 */
export type CutKind = 'limit' | 'timing';

/**
 * The endpoint refused a call started at `startedAt` while this limit carried `level` (the accepted
 * rate, or the calls in flight). A call started within `settleMs` of the last cut belongs to the episode
 * that cut already answered (the provider's window still held the old traffic), so it changes nothing —
 * unless that cut was a timing step and this one is not: a step answers timing only, and a refusal that
 * measures clearly less than the pace after it is a limit that fell. (The first refusal of an
 * unannounced 20 → 7 drop meets a window still full of the old pace and reads as timing; its episode
 * used to swallow the drop's next refusals, each pausing everyone, for ~3 s before the cut.) Otherwise
 * the allowance is cut to β × min(value, level) — or, when a probe was refused, back to the last probe
 * step a whole round accepted, if that is higher: a failed probe says only that the last step was too
 * much.
 */
export function cutLimit(
  estimate: LimitEstimate,
  startedAt: number,
  now: number,
  level: number,
  rules: LimitRules,
  kind: CutKind = 'limit',
): LimitEstimate {
  const settling = estimate.cutAt !== null && startedAt < estimate.cutAt + (rules.settleMs ?? rules.roundMs);
  if (settling && !(estimate.timingStep && kind === 'limit')) return estimate;
  const failedAt = Math.max(rules.floor, Math.min(estimate.value, level));
  // A refused probe says the limit lies between the last good step and the probe — unless the endpoint
  // accepted clearly less than that good step: then the limit fell under it, a drop.
  const probeRefused = estimate.lastGood !== null && level >= FELL_BELOW_GOOD * estimate.lastGood;
  const slowStart = estimate.failedAt === null && isProbing(estimate, now, rules);
  const decreased = rules.decrease * failedAt;
  const fallback =
    probeRefused && estimate.lastGood !== null ? Math.min(estimate.lastGood, failedAt) : decreased;
  return {
    value: Math.min(Math.max(rules.floor, decreased, fallback), rules.ceiling),
    failedAt,
    cutAt: now,
    roundStartedAt: now,
    boundInRound: false,
    usedInRound: 0,
    acceptedSinceCut: 0,
    roundsAtTarget: 0,
    probeGain: FIRST_PROBE_GAIN,
    lastGood: null,
    probedAt: null,
    // A refused probe step (lastGood set) says the limit stands: wait longer before the next. A cut
    // without a probe says the limit fell: probe again soon, it may come back.
    failedProbes: probeRefused ? estimate.failedProbes + 1 : 0,
    // A cut no probe or slow start caused: the limit fell from the allowance it ran at.
    fellFrom: probeRefused
      ? estimate.fellFrom !== null && estimate.fellFrom > estimate.value
        ? estimate.fellFrom
        : null
      : slowStart
        ? estimate.fellFrom
        : Math.max(estimate.fellFrom ?? 0, estimate.value),
    timingStep: kind === 'timing',
  };
}

import { z } from 'zod';
import {
  AcceptedPeak,
  acceptedBetween,
  acceptedInWindow,
  acceptedPerMinute,
  acceptedPerMinuteUpToNow,
  addToBucket,
  BUCKETS_PER_WINDOW,
  bucketIndex,
  longPeakAccepted,
  WindowBucket,
  withAcceptedPeak,
} from './call-window';
import {
  allowance,
  inFlightRules,
  knownInFlight,
  knownRate,
  MIN_LATENCY_SAMPLES,
  MIN_REQUESTS_PER_MINUTE,
  paceHeadroom,
  rateRules,
  startHorizonMs,
} from './controller-rules';
import {
  countAccepted,
  countUse,
  cutLimit,
  isAnswerable,
  isProbing,
  LimitEstimate,
  markBound,
  startLimit,
  stepLimit,
} from './limit-estimate';
import type { RateGateSettings } from './rate-gate-settings';
import { knownBindingPace, pacedRate } from './token-pace';

export { acceptedPerMinute } from './call-window';
export { allowance, isQueueing, observedLatencyMs, startHorizonMs } from './controller-rules';

/** Weight of a new sample in the fast and slow latency averages. */
const FAST_WEIGHT = 1 / 4;
const SLOW_WEIGHT = 1 / 16;
/** The latency baseline drifts up this much per concurrency round, so it follows a changed workload. */
const BASELINE_DRIFT = 0.02;
/**
 * A 429 while the endpoint accepted at least this share of a known rate limit over the last window is
 * put down to timing, not to a lower limit: it pauses, and steps the pace down by the headroom only.
 */
const TIMING_LEVEL = 0.9;
/** Fewer accepted calls than this in the last window say nothing about the rate limit. */
const MIN_CALLS_FOR_LEVEL = 4;
/**
 * How many calls more in flight than any accepted call saw a refused call must see to blame a
 * concurrency limit: one more is what a rate limit that dropped unannounced also shows (its refused
 * call raced one that finished), and blaming the in-flight allowance for it would cut it for good.
 */
const CROWDED_MARGIN = 1;
/**
 * A 429 burst read as a pause (see `isPause`) is excused at most once per this many provider windows: a
 * second one sooner is read as a limit (one a little lower than the pace, which keeps refusing).
 */
const PAUSE_SPACING_WINDOWS = 10;

/** Latency averages, ms; `perToken` divides by the tokens of the answer, so long answers are not queueing. */
const LatencyState = z.object({
  samples: z.number().int().nonnegative(),
  slowMs: z.number().nonnegative(),
  fastPerToken: z.number().nonnegative(),
  baselinePerToken: z.number().nonnegative(),
});

/** Everything the controller learned about one endpoint: plain data, stored in the gate's item. */
export const RateControllerState = z.object({
  /** Requests per minute. */
  rate: LimitEstimate,
  /** Calls in flight. */
  inFlight: LimitEstimate,
  latency: LatencyState,
  /** Average tokens (prompt + completion) per successful call; null until one reported tokens. */
  tokensPerCall: z.number().nonnegative().nullable(),
  /** Average tokens holders asked per start (prompt + `max_tokens`), what a token limit charges; see `token-pace.ts`. */
  startTokens: z.number().positive().nullable().default(null),
  /** No call may start before this (epoch ms): a 429 pauses every caller. */
  pausedUntil: z.number(),
  /** The last pause a server's Retry-After asked for, ms: probes are spaced so that pauses stay cheap. */
  lastPauseMs: z.number().nonnegative(),
  /** Calls sent and refused over the last provider window (and start times handed out ahead). */
  recent: z.array(WindowBucket),
  /**
   * How late calls reach the endpoint after their start times, ms: the `LATE_QUANTILE` of the last
   * `LATE_SAMPLES` calls' lateness (`lateSamples`). A known limit keeps that much slack per window (see
   * `paceHeadroom`); a rarer, later call may cost a timing 429, which steps the pace down by the headroom.
   */
  lateMs: z.number().nonnegative().default(0),
  /** The lateness of the last `LATE_SAMPLES` calls, whole ms, oldest first. */
  lateSamples: z.array(z.number().int().nonnegative()).max(64).default([]),
  /**
   * When the last 429 burst read as a pause, not a limit, began (epoch ms; see `isPause`): its further
   * refusals pause too, and another such burst within `PAUSE_SPACING_WINDOWS` is read as a limit.
   */
  pauseEpisodeAt: z.number().nullable().default(null),
  /** Most calls in flight an accepted call saw, kept for a few windows (see `longPeakAccepted`). */
  acceptedPeak: AcceptedPeak.nullable().default(null),
});
export type RateControllerState = z.infer<typeof RateControllerState>;

/** What the gate may hand out right now. */
export interface Allowance {
  /** Requests per minute (known limit less headroom, or learned). */
  readonly requestsPerMinute: number;
  /** Tokens per minute, when known (less headroom). */
  readonly tokensPerMinute: number | null;
  /** Calls in flight, whole. */
  readonly inFlight: number;
  /** No call may start before this (epoch ms); `now` or earlier when not paused. */
  readonly pausedUntil: number;
}

/** What the endpoint did with one call, as its caller saw it. */
export type CallResult =
  /** Answered. `tokens`: prompt + completion tokens, null when the server sent no usage. */
  | { readonly kind: 'succeeded'; readonly latencyMs: number; readonly tokens: number | null }
  /** HTTP 429. `retryAfterMs`: from `retry-after-ms` / `retry-after`, null when it sent none. */
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number | null }
  /** Any other failure (5xx, timeout, bad body): no rate signal, counted only. */
  | { readonly kind: 'failed' };

/**
 * A call's result as reported to the gate: when it started (epoch ms), how many calls its holder had
 * in flight then, itself included, and how late after its start time it was made, ms.
 */
export type CallOutcome = CallResult & {
  readonly startedAt: number;
  readonly inFlightAtStart: number;
  readonly lateMs?: number;
};

/** Lateness of this many recent calls is kept (fits the gate's item: 64 small integers). */
const LATE_SAMPLES = 64;
/**
 * The pace keeps slack for this quantile of recent lateness, not for the latest peak: a peak (one call
 * stalled 300 ms on a loaded machine) paced a 1 s-window limit 20–25 % low for the next hundreds of
 * calls; a call later than the quantile costs at most a timing 429 (a pause, and 2 % off the pace).
 */
const LATE_QUANTILE = 0.8;

/** The lateness samples with one more, and their `LATE_QUANTILE`. */
function withLateness(samples: readonly number[], lateMs: number): { lateSamples: number[]; lateMs: number } {
  const lateSamples = [...samples, Math.round(Math.max(0, lateMs))].slice(-LATE_SAMPLES);
  const sorted = [...lateSamples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil(LATE_QUANTILE * sorted.length) - 1);
  return { lateSamples, lateMs: sorted[index] ?? 0 };
}

/** A new controller: known limits at once, unknown ones from their starting values. */
export function startController(settings: RateGateSettings, now: number): RateControllerState {
  return {
    rate: startLimit(knownRate(settings) ?? startingRate(settings), now),
    inFlight: startLimit(knownInFlight(settings) ?? settings.initialInFlight, now),
    latency: { samples: 0, slowMs: 0, fastPerToken: 0, baselinePerToken: 0 },
    tokensPerCall: null,
    startTokens: null,
    pausedUntil: 0,
    lastPauseMs: 0,
    recent: [],
    lateMs: 0,
    lateSamples: [],
    pauseEpisodeAt: null,
    acceptedPeak: null,
  };
}

/**
 * Where an unknown rate starts: `initialRequestsPerMinute`, or with a known concurrency limit C at least
 * C starts per provider window — C calls may be in flight at once by the user's own word, and a pace
 * slower than that would leave the known slots idle until the first latencies are seen (then slow start
 * jumps to Little's law, see `rateRules`).
 */
function startingRate(settings: RateGateSettings): number {
  const inFlight = knownInFlight(settings);
  const perWindow = inFlight === null ? 0 : (inFlight * 60_000) / settings.windowMs;
  return Math.max(settings.initialRequestsPerMinute, perWindow);
}

/**
 * Close rounds that are over (growing allowances that were bound) and forget buckets older than a
 * window. Only one limit probes above its target at a time, so a 429 can be blamed on the one probing.
 */
export function stepController(
  state: RateControllerState,
  settings: RateGateSettings,
  now: number,
): RateControllerState {
  const current = bucketIndex(now, settings);
  const rateLimits = rateRules(state, settings);
  const inFlightLimits = inFlightRules(state, settings);
  const roundOver = now - state.inFlight.roundStartedAt >= inFlightLimits.roundMs;
  const latency =
    roundOver && state.latency.samples >= MIN_LATENCY_SAMPLES
      ? {
          ...state.latency,
          baselinePerToken: Math.min(
            state.latency.baselinePerToken * (1 + BASELINE_DRIFT),
            state.latency.fastPerToken,
          ),
        }
      : state.latency;
  const rate = stepLimit(state.rate, now, {
    ...rateLimits,
    mayProbe: !isProbing(state.inFlight, now, inFlightLimits),
  });
  const inFlight = stepLimit(state.inFlight, now, {
    ...inFlightLimits,
    mayProbe: !isProbing(rate, now, rateLimits),
  });
  return {
    ...state,
    rate,
    inFlight,
    latency,
    recent: state.recent.filter((b) => b.index >= current - BUCKETS_PER_WINDOW),
  };
}

/** Demand exceeded the rate allowance: calls queue for their start times. */
export function markRateBound(state: RateControllerState): RateControllerState {
  return { ...state, rate: markBound(state.rate) };
}

/** Demand exceeded the in-flight allowance: calls queue for slots. */
export function markInFlightBound(state: RateControllerState): RateControllerState {
  return { ...state, inFlight: markBound(state.inFlight) };
}

/**
 * Start times were handed out: each counts in the bucket of its own time, as the endpoint will count
 * it, and as use of the rate allowance.
 */
export function recordStarts(
  state: RateControllerState,
  settings: RateGateSettings,
  starts: readonly number[],
): RateControllerState {
  const counted = starts.reduce((s, at) => addToBucket(s, settings, at, { sent: 1 }), state);
  return { ...counted, rate: countUse(counted.rate, starts.length) };
}

/**
 * `count` start times went unused: each of `dueAt` (when they were due, at most `count` of them) comes
 * out of its own bucket, where it was counted as sent (one already out of the window is forgotten); the
 * rest out of the current bucket.
 */
export function recordUnusedStarts(
  state: RateControllerState,
  settings: RateGateSettings,
  now: number,
  count: number,
  dueAt: readonly number[] = [],
): RateControllerState {
  const dated = dueAt.filter((at) => Number.isFinite(at)).slice(0, count);
  const latest = now + startHorizonMs(settings);
  const counted = dated
    .filter((at) => at >= now - settings.windowMs)
    .reduce((s, at) => addToBucket(s, settings, Math.min(at, latest), { sent: -1 }), state);
  const rest = count - dated.length;
  return rest === 0 ? counted : addToBucket(counted, settings, now, { sent: -rest });
}

function ewma(previous: number, sample: number, weight: number, first: boolean): number {
  return first ? sample : previous + weight * (sample - previous);
}

/** How full the in-flight allowance is, as the gate sees it when an outcome arrives. */
export interface InFlightView {
  /**
   * Calls in flight when the call started, as well as the gate can tell: the holder's own count then
   * plus what the other holders last reported.
   */
  readonly level: number;
  /** Slots of all live leases: where an in-flight cut starts from. */
  readonly leased: number;
  /** Slots really used (calls in flight plus start times held), as last reported. */
  readonly used: number;
}

/**
 * The first latency seen: a rate still in slow start jumps at once to the floor Little's law sets for it
 * (with a known concurrency limit C: 2 × C / latency, see `rateRules`) instead of at the end of its
 * round — a round is a provider window, and pacing below what the known slots carry idles them that long.
 */
function jumpToStartFloor(
  state: RateControllerState,
  settings: RateGateSettings,
  now: number,
): RateControllerState {
  const rules = rateRules(state, settings);
  const floor = Math.min(rules.startFloor ?? 0, rules.ceiling);
  if (state.rate.failedAt !== null || floor <= state.rate.value) return state;
  return { ...state, rate: { ...state.rate, value: floor, probedAt: now } };
}

/** Apply one call's outcome at `now`. */
export function recordOutcome(
  previous: RateControllerState,
  settings: RateGateSettings,
  now: number,
  outcome: CallOutcome,
  view: InFlightView,
): RateControllerState {
  const state = { ...previous, ...withLateness(previous.lateSamples, outcome.lateMs ?? 0) };
  switch (outcome.kind) {
    case 'failed':
      return state;
    case 'succeeded': {
      const first = state.latency.samples === 0;
      const perToken = outcome.latencyMs / Math.max(1, outcome.tokens ?? 1);
      const fastPerToken = ewma(state.latency.fastPerToken, perToken, FAST_WEIGHT, first);
      const tokensPerCall =
        outcome.tokens === null
          ? state.tokensPerCall
          : ewma(state.tokensPerCall ?? 0, outcome.tokens, SLOW_WEIGHT, state.tokensPerCall === null);
      const next = {
        ...addToBucket(state, settings, outcome.startedAt, { peakAccepted: view.level }),
        rate: countAccepted(state.rate, 1),
        inFlight: countAccepted(state.inFlight, 1),
        latency: {
          samples: state.latency.samples + 1,
          slowMs: ewma(state.latency.slowMs, outcome.latencyMs, SLOW_WEIGHT, first),
          fastPerToken,
          baselinePerToken: first ? perToken : Math.min(state.latency.baselinePerToken, fastPerToken),
        },
        tokensPerCall,
        acceptedPeak: withAcceptedPeak(state.acceptedPeak, settings, outcome.startedAt, view.level),
      };
      return first ? jumpToStartFloor(next, settings, now) : next;
    }
    case 'rate_limited':
      return refused(
        addToBucket(state, settings, outcome.startedAt, { refused: 1 }),
        settings,
        now,
        outcome,
        view,
      );
  }
}

/**
 * A 429: pause every caller (for the server's Retry-After, capped, or one request interval) and cut the
 * limit that was being pushed past what worked — the one in slow start or probing (only one probes at a
 * time), or still settling from its last cut; both when both or neither were (at the start, or when a
 * limit dropped) — the in-flight allowance only if its slots were all in use. A call refused with more
 * calls in flight than any accepted call saw over the window hit a concurrency limit, whatever probed.
 * The rate is cut from what the endpoint accepted over the last window, the in-flight allowance from the
 * slots leased (or the crowded level).
 */
function refused(
  state: RateControllerState,
  settings: RateGateSettings,
  now: number,
  outcome: Extract<CallOutcome, { kind: 'rate_limited' }>,
  view: InFlightView,
): RateControllerState {
  const rules = rateRules(state, settings);
  const concurrency = inFlightRules(state, settings);
  const rateProbing = isAnswerable(state.rate, now, rules);
  const inFlightProbing = isAnswerable(state.inFlight, now, concurrency);
  const peak = longPeakAccepted(state, settings, now);
  // More calls in flight than any accepted call saw lately: a concurrency limit, whatever probes.
  const crowded = peak > 0 && view.level > peak + CROWDED_MARGIN;
  // The slots count as all in use only when calls fill them: start times held ahead (which hold slots
  // against an unknown concurrency limit) say nothing about where the endpoint refuses.
  const full = Math.min(view.used, view.level) >= allowance(state, settings).inFlight - 1;
  // Too little traffic in the window to measure the limit by: cut from the allowance itself. The first
  // refusal ends slow start, whose rate rose within the window: the level counts the newest bucket too.
  const measured =
    state.rate.failedAt === null
      ? Math.max(acceptedPerMinute(state, settings, now), acceptedPerMinuteUpToNow(state, settings, now))
      : acceptedPerMinute(state, settings, now);
  const rateLevel =
    acceptedInWindow(state, settings, now) >= MIN_CALLS_FOR_LEVEL ? measured : state.rate.value;
  // At a known limit, with the endpoint still accepting about all of it, a 429 is timing (a call sent a
  // little late shares a window with one sent on time), not a lower limit: step down by the headroom
  // only (not by β), so the pace keeps a little more slack per window where the timing is this loose.
  // "At a known limit": at the pace it allows now, which keeps slack for late calls (`paceHeadroom`).
  if (isPause(state, settings, now, outcome, rateProbing || inFlightProbing || crowded)) {
    const pauseMs = Math.min(settings.maxPauseMs, outcome.retryAfterMs ?? 0);
    const sameEpisode =
      state.pauseEpisodeAt !== null && inPauseBurst(state, settings, state.pauseEpisodeAt, outcome);
    return {
      ...state,
      pausedUntil: Math.max(state.pausedUntil, now + pauseMs),
      lastPauseMs: pauseMs,
      pauseEpisodeAt: sameEpisode ? state.pauseEpisodeAt : now,
    };
  }
  // The pace of whichever known limit binds: a token limit's, in requests, when it is the lower.
  const known = knownBindingPace(state, settings);
  // A call made later than the pace's slack after its start time was held back (a stalled process) and
  // sent together with calls on time: the window it crowded is timing too, whatever the last window held
  // (the stall emptied it), so it steps down from the allowance by the headroom, not to β × that level.
  const stall = known !== null && isStalled(state, settings, outcome);
  const timing = known !== null && (stall || rateLevel >= TIMING_LEVEL * known);
  const rateCut = timing ? { ...rules, decrease: 1 - settings.headroom } : rules;
  const cutFrom = stall ? Math.max(rateLevel, state.rate.value) : rateLevel;
  const rate =
    !crowded && (timing || rateProbing || !inFlightProbing)
      ? cutLimit(state.rate, outcome.startedAt, now, cutFrom, rateCut, timing ? 'timing' : 'limit')
      : state.rate;
  const inFlightLevel = Math.max(1, crowded ? view.level : view.leased);
  const inFlight =
    crowded || inFlightProbing || (!rateProbing && full)
      ? cutLimit(state.inFlight, outcome.startedAt, now, inFlightLevel, concurrency)
      : state.inFlight;
  const interval = 60_000 / Math.max(rate.value, MIN_REQUESTS_PER_MINUTE);
  const pauseMs = Math.min(settings.maxPauseMs, outcome.retryAfterMs ?? Math.ceil(interval));
  return {
    ...state,
    rate,
    inFlight,
    pausedUntil: Math.max(state.pausedUntil, now + pauseMs),
    lastPauseMs: outcome.retryAfterMs === null ? state.lastPauseMs : pauseMs,
  };
}

/**
 * Whether a refused call reached the endpoint later after its start time than the slack a known pace
 * keeps per window (`paceHeadroom`: `window × h / (1 − h)`): its process stalled, and calls held back
 * then went out together with calls on time, crowding one window — timing, not a fallen limit.
 */
function isStalled(
  state: RateControllerState,
  settings: RateGateSettings,
  outcome: Extract<CallOutcome, { kind: 'rate_limited' }>,
): boolean {
  const headroom = paceHeadroom(state, settings);
  const slackMs = (settings.windowMs * headroom) / (1 - headroom);
  return (outcome.lateMs ?? 0) > slackMs;
}

/** Refusals of calls started this long after a pause burst's first belong to the same burst, ms. */
const pauseSettleMs = (settings: RateGateSettings): number => settings.windowMs + startHorizonMs(settings);

/**
 * Whether a refusal belongs to the pause burst that began at `episode`: its call started within a window
 * and a horizon of the burst's first — unless the endpoint took calls again after the burst's pause and
 * then refused this one while the window before it held clearly less than the pace (less than
 * `TIMING_LEVEL` of it): an endpoint that takes a few calls and refuses again keeps a lower limit (one
 * that fell: read it as a limit, not as more of the hiccup), while one refusing whatever comes, or a call
 * that met a full window, is still the hiccup or timing.
 */
function inPauseBurst(
  state: RateControllerState,
  settings: RateGateSettings,
  episode: number,
  outcome: Extract<CallOutcome, { kind: 'rate_limited' }>,
): boolean {
  if (outcome.startedAt >= episode + pauseSettleMs(settings)) return false;
  const sincePause = acceptedBetween(state, settings, episode + state.lastPauseMs, outcome.startedAt);
  const window = acceptedBetween(state, settings, outcome.startedAt - settings.windowMs, outcome.startedAt);
  const pacePerWindow = (pacedRate(state, settings) * settings.windowMs) / 60_000;
  return sincePause < MIN_CALLS_FOR_LEVEL || window >= TIMING_LEVEL * pacePerWindow;
}

/**
 * Whether a 429 is a pause the endpoint asks for (a provider's hiccup), not a sign of a lower limit: it
 * carries a Retry-After, nothing was being pushed past what worked (no probe, no slow start, no cut
 * settling, no call crowding more in flight than was accepted), and the last whole window was fully
 * accepted — no refusal, enough calls to judge by, at about the pace allowed now (a pace the endpoint
 * took for a whole window did not become too fast in an instant). Then the gate only pauses everyone for
 * the Retry-After; the refusals of the same burst (started within a window and a horizon of its first)
 * pause too. One such burst per `PAUSE_SPACING_WINDOWS`: a second one sooner is read as a limit.
 */
function isPause(
  state: RateControllerState,
  settings: RateGateSettings,
  now: number,
  outcome: Extract<CallOutcome, { kind: 'rate_limited' }>,
  pushed: boolean,
): boolean {
  if (outcome.retryAfterMs === null || pushed) return false;
  const episode = state.pauseEpisodeAt;
  if (episode !== null && inPauseBurst(state, settings, episode, outcome)) return true;
  if (episode !== null && now - episode < PAUSE_SPACING_WINDOWS * settings.windowMs) return false;
  // The window before the refused call started (its own refusal is in its start's bucket).
  const current = bucketIndex(outcome.startedAt, settings);
  const window = state.recent.filter((b) => b.index < current && b.index >= current - BUCKETS_PER_WINDOW);
  const refusedInWindow = window.reduce((sum, b) => sum + b.refused, 0);
  const accepted = acceptedInWindow(state, settings, now);
  return (
    refusedInWindow === 0 &&
    accepted >= MIN_CALLS_FOR_LEVEL &&
    acceptedPerMinute(state, settings, now) >= TIMING_LEVEL * pacedRate(state, settings)
  );
}

import type { LimitRules } from './limit-estimate';
import type { Allowance, RateControllerState } from './rate-controller';
import type { RateGateSettings } from './rate-gate-settings';

/**
 * How the controller's two limits move (see `LimitRules`): the rate in rounds of the provider's window,
 * the in-flight allowance in rounds of the observed latency, both seeded by Little's law from what is
 * known. Every time constant comes from the settings or from observed latency.
 */

/** Samples before latency is trusted for round lengths, Little's law and the queueing guard. */
export const MIN_LATENCY_SAMPLES = 4;
/** The fast average this far above the baseline means the endpoint queues: concurrency stops growing. */
const QUEUEING_FACTOR = 1.5;
/** Slots sized by Little's law hold each call this many latencies (room for the spread of latency). */
const LITTLE_HEADROOM = 1.5;
/** With a known concurrency limit C and an unknown rate, slow start jumps to this × C / latency. */
const KNOWN_CONCURRENCY_PACE = 2;
/** A slow-start rate round lasts this many call latencies (within the provider's window). */
const START_ROUND_LATENCIES = 4;
/** …and at least this long, ms, so that a round counts enough calls to judge demand by. */
const MIN_START_ROUND_MS = 1_000;
/** Slow-start growth per bound round. */
const START_GROWTH = 1.5;
/** Longest hold before a probe, in provider windows (longer when Retry-After pauses are long). */
const MAX_HOLD_WINDOWS = 20;
/** Probes are spaced so that the idle time the server's Retry-After pauses cost stays near this share. */
const PAUSE_COST_SHARE = 0.02;
/** The rate counts as bound in a round in which at least this share of it was handed out. */
const RATE_USE_TO_BIND = 0.9;
/** Smallest rate allowance, requests per minute. */
export const MIN_REQUESTS_PER_MINUTE = 0.5;

/** A known rate limit less headroom, requests per minute; null when unknown. */
export const knownRate = (settings: RateGateSettings): number | null =>
  settings.requestsPerMinute === null ? null : settings.requestsPerMinute * (1 - settings.headroom);

/** Most of a known limit kept free for late starts, however late they come. */
const MAX_LATE_HEADROOM = 0.2;

/**
 * The share of a known per-window limit kept free: the configured headroom (jitter between the gate's
 * clock and the provider's) plus, when calls reach the endpoint later than their start times by up to
 * `lateMs` (timers firing late on a busy machine, work between permit and request), what keeps starts
 * that late from putting one call more than the limit into a window: starts paced at `(1 − h) × limit`
 * leave `window × h / (1 − h)` of slack, so h ≥ late / (window + late). Negligible against a 60 s window;
 * a few percent against a 1 s one.
 */
export function paceHeadroom(state: RateControllerState, settings: RateGateSettings): number {
  const late = Math.max(0, state.lateMs);
  return Math.min(MAX_LATE_HEADROOM, settings.headroom + late / (settings.windowMs + late));
}

/** A known rate limit less the pace headroom (see `paceHeadroom`), requests per minute; null when unknown. */
export const knownPace = (state: RateControllerState, settings: RateGateSettings): number | null =>
  settings.requestsPerMinute === null
    ? null
    : settings.requestsPerMinute * (1 - paceHeadroom(state, settings));

/** A known token limit less headroom, tokens per minute; null when unknown. */
export const knownTokens = (settings: RateGateSettings): number | null =>
  settings.tokensPerMinute === null ? null : settings.tokensPerMinute * (1 - settings.headroom);

/** A known concurrency limit; null when unknown. */
export const knownInFlight = (settings: RateGateSettings): number | null => settings.maxInFlight;

/** Start times are handed out at most this far ahead: one provider window. */
export function startHorizonMs(settings: RateGateSettings): number {
  return settings.windowMs;
}

/** Mean latency of successful calls, ms, once enough were seen. */
export function observedLatencyMs(state: RateControllerState): number | null {
  return state.latency.samples >= MIN_LATENCY_SAMPLES ? state.latency.slowMs : null;
}

/** Whether recent calls take clearly longer per token than the baseline: the endpoint is queueing. */
export function isQueueing(state: RateControllerState): boolean {
  const { latency } = state;
  return (
    latency.samples >= MIN_LATENCY_SAMPLES &&
    latency.fastPerToken > QUEUEING_FACTOR * latency.baselinePerToken
  );
}

/**
 * The length of a rate round: the provider's window — a change of rate shows in its count within one
 * window — except in slow start over calls much shorter than the window (an unknown rate, no refusal
 * yet): there demand shows within a few latencies, and growing once a 60 s window would take a quarter
 * of an hour to reach a fast endpoint's limit. The first 429 ends slow start; the cut is taken from what
 * the endpoint accepted over the window, so an overshoot inside the window costs a pause, not the level.
 */
export function rateRoundMs(state: RateControllerState, settings: RateGateSettings): number {
  const latency = observedLatencyMs(state);
  const slowStart = state.rate.failedAt === null && knownRate(settings) === null;
  if (!slowStart || latency === null) return settings.windowMs;
  const floor = Math.min(settings.windowMs, MIN_START_ROUND_MS);
  return Math.min(settings.windowMs, Math.max(floor, START_ROUND_LATENCIES * latency));
}

/**
 * The rate's round (see `rateRoundMs`); traffic sent before a cut (the window's content plus the start
 * times handed out) belongs to that cut for one more window.
 */
export function rateRules(state: RateControllerState, settings: RateGateSettings): LimitRules {
  const perMs = Math.max(state.rate.value, MIN_REQUESTS_PER_MINUTE) / 60_000;
  const roundMs = rateRoundMs(state, settings);
  // A known concurrency limit C with calls of latency L carries C / L calls per unit of time (Little's
  // law): slow start jumps at least to twice that, so that pacing never holds back a call a free slot
  // could make (latency spreads; the concurrency limit, not the pace, bounds what is sent). One sample
  // is enough: before the first 429, an overshoot is what slow start is for.
  const inFlight = knownInFlight(settings);
  const startFloor =
    inFlight === null || state.latency.samples === 0
      ? 0
      : (KNOWN_CONCURRENCY_PACE * inFlight * 60_000) / Math.max(1, state.latency.slowMs);
  return {
    startFloor,
    ceiling: knownPace(state, settings) ?? Number.POSITIVE_INFINITY,
    floor: MIN_REQUESTS_PER_MINUTE,
    roundMs,
    settleMs: settings.windowMs + startHorizonMs(settings),
    usedToBind: (RATE_USE_TO_BIND * state.rate.value * roundMs) / 60_000,
    decrease: settings.decrease,
    headroom: settings.headroom,
    probeAfterCalls: Math.max(settings.probeAfterCalls, (state.lastPauseMs * perMs) / PAUSE_COST_SHARE),
    maxHoldMs: Math.max(MAX_HOLD_WINDOWS * settings.windowMs, state.lastPauseMs / PAUSE_COST_SHARE),
    startGrowth: START_GROWTH,
  };
}

/**
 * The in-flight round is the call latency: calls in flight turn over once per latency. Slow start jumps
 * at least to what Little's law needs to carry the rate allowance: a slot per call in flight (its
 * latency, with room for the spread) and per start time held ahead (see `startsHoldSlots`).
 */
export function inFlightRules(state: RateControllerState, settings: RateGateSettings): LimitRules {
  const latency = observedLatencyMs(state);
  const holdMs = (latency ?? 0) * LITTLE_HEADROOM + startHorizonMs(settings);
  return {
    startFloor: latency === null ? 0 : Math.ceil((state.rate.value * holdMs) / 60_000) + 1,
    ceiling: knownInFlight(settings) ?? settings.inFlightCap,
    floor: 1,
    roundMs: latency === null ? settings.windowMs : Math.max(1, Math.min(latency, settings.windowMs)),
    decrease: settings.decrease,
    headroom: settings.headroom,
    probeAfterCalls: Math.max(
      settings.probeAfterCalls,
      (state.lastPauseMs * Math.max(state.rate.value, MIN_REQUESTS_PER_MINUTE)) / 60_000 / PAUSE_COST_SHARE,
    ),
    startGrowth: START_GROWTH,
    holdGrowth: isQueueing(state),
  };
}

/** What may be handed out now. */
export function allowance(state: RateControllerState, settings: RateGateSettings): Allowance {
  const ceiling = knownInFlight(settings) ?? settings.inFlightCap;
  return {
    requestsPerMinute: state.rate.value,
    tokensPerMinute:
      settings.tokensPerMinute === null
        ? null
        : settings.tokensPerMinute * (1 - paceHeadroom(state, settings)),
    inFlight: Math.max(1, Math.min(ceiling, Math.floor(state.inFlight.value))),
    pausedUntil: state.pausedUntil,
  };
}

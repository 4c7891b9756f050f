import { z } from 'zod';
import type { RateControllerState } from './rate-controller';
import type { RateGateSettings } from './rate-gate-settings';

/**
 * The controller's record of recent calls: the provider's window cut into buckets by start time, as the
 * endpoint counts them. From it come the rate the endpoint accepted (where a rate cut starts from) and
 * the most calls in flight any accepted call saw (what tells a concurrency limit from a rate limit).
 */

/** Buckets per provider window in the record of recent calls. */
export const BUCKETS_PER_WINDOW = 10;

/** Calls started and refused, and the most calls in flight any accepted call started with, in one slice of the window. */
export const WindowBucket = z.object({
  index: z.number().int(),
  sent: z.number(),
  refused: z.number().int().nonnegative(),
  peakAccepted: z.number().int().nonnegative(),
});
export type WindowBucket = z.infer<typeof WindowBucket>;

const bucketMs = (settings: RateGateSettings): number => settings.windowMs / BUCKETS_PER_WINDOW;
export const bucketIndex = (at: number, settings: RateGateSettings): number =>
  Math.floor(at / bucketMs(settings));

interface BucketChange {
  readonly sent?: number;
  readonly refused?: number;
  readonly peakAccepted?: number;
}

/** Count a change in the bucket of `at`. */
export function addToBucket(
  state: RateControllerState,
  settings: RateGateSettings,
  at: number,
  change: BucketChange,
): RateControllerState {
  const index = bucketIndex(at, settings);
  const apply = (b: WindowBucket) => ({
    index,
    sent: b.sent + (change.sent ?? 0),
    refused: b.refused + (change.refused ?? 0),
    peakAccepted: Math.max(b.peakAccepted, change.peakAccepted ?? 0),
  });
  const found = state.recent.some((b) => b.index === index);
  const recent = found
    ? state.recent.map((b) => (b.index === index ? apply(b) : b))
    : [...state.recent, apply({ index, sent: 0, refused: 0, peakAccepted: 0 })];
  return { ...state, recent };
}

/** Calls the endpoint accepted over the last whole window of buckets (started less refused). */
export function acceptedInWindow(
  state: RateControllerState,
  settings: RateGateSettings,
  now: number,
): number {
  const current = bucketIndex(now, settings);
  const accepted = state.recent
    .filter((b) => b.index < current && b.index >= current - BUCKETS_PER_WINDOW)
    .reduce((sum, b) => sum + b.sent - b.refused, 0);
  return Math.max(0, accepted);
}

/** Requests per minute the endpoint accepted over the last whole window of buckets. */
export function acceptedPerMinute(
  state: RateControllerState,
  settings: RateGateSettings,
  now: number,
): number {
  return (acceptedInWindow(state, settings, now) * 60_000) / settings.windowMs;
}

/**
 * Requests per minute the endpoint accepted over the last window up to now: the buckets of the last
 * window with the current one. A rate that rose within the window (slow start) has most of its calls in
 * the newest bucket, which `acceptedPerMinute` (whole buckets only) leaves out.
 */
export function acceptedPerMinuteUpToNow(
  state: RateControllerState,
  settings: RateGateSettings,
  now: number,
): number {
  const current = bucketIndex(now, settings);
  const accepted = state.recent
    .filter((b) => b.index <= current && b.index > current - BUCKETS_PER_WINDOW)
    .reduce((sum, b) => sum + b.sent - b.refused, 0);
  return (Math.max(0, accepted) * 60_000) / settings.windowMs;
}

/** The most calls in flight any accepted call started with, over the last window and now. */
export function peakAccepted(state: RateControllerState, settings: RateGateSettings, now: number): number {
  const current = bucketIndex(now, settings);
  return state.recent
    .filter((b) => b.index <= current && b.index >= current - BUCKETS_PER_WINDOW)
    .reduce((peak, b) => Math.max(peak, b.peakAccepted), 0);
}

/**
 * The most calls in flight an accepted call saw is also kept past the window, for this many provider
 * windows: a rate limit that dropped accepts few calls per window, each with few others in flight, so
 * the window's own peak falls with it and a refused call sent at the old pace would look crowded.
 */
export const PEAK_MEMORY_WINDOWS = 10;

/** Most calls in flight an accepted call started with, and when that peak began to be counted. */
export const AcceptedPeak = z.object({ level: z.number().int().nonnegative(), since: z.number() });
export type AcceptedPeak = z.infer<typeof AcceptedPeak>;

/**
 * The long peak with one more accepted call that started with `level` in flight at `at`: the higher
 * of the two, started afresh once the kept one is older than `PEAK_MEMORY_WINDOWS` windows.
 */
export function withAcceptedPeak(
  peak: AcceptedPeak | null,
  settings: RateGateSettings,
  at: number,
  level: number,
): AcceptedPeak {
  if (peak === null || at - peak.since > PEAK_MEMORY_WINDOWS * settings.windowMs) return { level, since: at };
  return level > peak.level ? { level, since: peak.since } : peak;
}

/**
 * The most calls in flight any accepted call saw over the last window and now, or over the last
 * `PEAK_MEMORY_WINDOWS` windows (see `withAcceptedPeak`): a call refused with more in flight than this
 * met a concurrency limit.
 */
export function longPeakAccepted(
  state: RateControllerState,
  settings: RateGateSettings,
  now: number,
): number {
  const kept = state.acceptedPeak;
  const fresh = kept !== null && now - kept.since <= 2 * PEAK_MEMORY_WINDOWS * settings.windowMs;
  return Math.max(peakAccepted(state, settings, now), fresh ? kept.level : 0);
}

/** Calls the endpoint accepted (started less refused) in the buckets from that of `from` up to that of `to`, excluded. */
export function acceptedBetween(
  state: RateControllerState,
  settings: RateGateSettings,
  from: number,
  to: number,
): number {
  const first = bucketIndex(from, settings);
  const last = bucketIndex(to, settings);
  const accepted = state.recent
    .filter((b) => b.index >= first && b.index < last)
    .reduce((sum, b) => sum + b.sent - b.refused, 0);
  return Math.max(0, accepted);
}

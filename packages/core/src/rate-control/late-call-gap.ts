/**
 * A call made late crowds a later window: against a known per-window limit L paced with slack, the call
 * L starts after it comes `L × spacing − window` (the slack, ~20 ms at 2 % headroom and a 1 s window)
 * after the late one has left the window — unless the late one came later than that. Then that call
 * meets a full window and is refused, and its 429 pauses every holder for the whole Retry-After (a
 * window of everyone's calls, where the slack per window is a fiftieth of it). The gate, told of the late
 * call in time, moves its schedule by the lateness beyond the slack once instead: one gap of a few
 * milliseconds where the 429 would have cost a window.
 */
import { z } from 'zod';
import { paceHeadroom } from './controller-rules';
import type { CallOutcome, RateControllerState } from './rate-controller';
import type { RateGateSettings } from './rate-gate-settings';
import { knownBindingPace, pacedRate } from './token-pace';

/**
 * How far the schedule must move so that `outcome`'s lateness puts no call more than a known limit into
 * a window, ms: the lateness beyond the slack per window the current pace leaves; 0 when no known limit
 * binds, the call was not admitted (a refused call is not in the endpoint's window), or the schedule
 * (`nextStartAt`: every start before it was handed out) is already past the window the late call crowds.
 */
export function lateCallGapMs(
  state: RateControllerState,
  settings: RateGateSettings,
  outcome: CallOutcome,
  nextStartAt: number,
): number {
  const lateMs = outcome.lateMs ?? 0;
  if (outcome.kind !== 'succeeded' || lateMs <= 0) return 0;
  const known = knownBindingPace(state, settings);
  if (known === null) return 0;
  // The late call left the endpoint's window at most a window after it was made (made at most `lateMs`
  // after its permit): starts handed out after that are not crowded by it.
  if (nextStartAt >= outcome.startedAt + lateMs + settings.windowMs) return 0;
  const limitPerWindow = (known / (1 - paceHeadroom(state, settings)) / 60_000) * settings.windowMs;
  const spacingMs = 60_000 / Math.min(known, pacedRate(state, settings));
  const slackMs = Math.max(0, Math.ceil(limitPerWindow) * spacingMs - settings.windowMs);
  const gapMs = Math.max(0, lateMs - slackMs);
  // Worth it only while shorter than the pause a 429 brings: the last Retry-After (a whole second of a
  // 1 s window when it comes in whole seconds; an exact `retry-after-ms` is often shorter than the gap).
  return gapMs < state.lastPauseMs ? gapMs : 0;
}

/**
 * The last gap a late call left in the schedule: every start handed out from `beforeStart` on (the
 * schedule's frontier after the gap) lies `ms` later against the starts handed out before it.
 */
export const LateCallGap = z.object({ beforeStart: z.number(), ms: z.number().nonnegative() });
export type LateCallGap = z.infer<typeof LateCallGap>;

/** The gate's schedule: the next free start, and the last gap left in it. */
export interface Schedule {
  readonly nextStartAt: number;
  readonly lateGap: LateCallGap | null;
}

/**
 * The schedule after `outcome`: moved by its gap (`lateCallGapMs`), less what an earlier gap already put
 * between its start and the starts still to come. Calls held back together (a stalled process sends them
 * all late at once) need the schedule moved by the largest of their gaps, not by their sum: their
 * successors were all handed out after the first gap.
 */
export function withLateCallGap(
  schedule: Schedule,
  state: RateControllerState,
  settings: RateGateSettings,
  outcome: CallOutcome,
): Schedule {
  const gapMs = lateCallGapMs(state, settings, outcome, schedule.nextStartAt);
  const { lateGap } = schedule;
  const covered = lateGap !== null && outcome.startedAt < lateGap.beforeStart ? lateGap.ms : 0;
  const extraMs = gapMs - covered;
  if (extraMs <= 0) return schedule;
  const nextStartAt = schedule.nextStartAt + extraMs;
  return { nextStartAt, lateGap: { beforeStart: nextStartAt, ms: gapMs } };
}

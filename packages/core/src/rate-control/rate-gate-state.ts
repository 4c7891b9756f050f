import { z } from 'zod';
import type {
  AcquireRequest,
  AcquireResult,
  Lease,
  LeaseReport,
  ReportResult,
  WaitReason,
} from '../ports/rate-gate';
import { LateCallGap, type Schedule, withLateCallGap } from './late-call-gap';
import {
  acceptedPerMinute,
  allowance,
  markInFlightBound,
  markRateBound,
  observedLatencyMs,
  RateControllerState,
  recordOutcome,
  recordStarts,
  recordUnusedStarts,
  startController,
  startHorizonMs,
  stepController,
} from './rate-controller';
import type { RateGateSettings } from './rate-gate-settings';
import type { RateGateSnapshot } from './rate-gate-snapshot';
import { startsUnpaced } from './slots-before-first-answer';
import { withStartTokens } from './token-pace';

const Count = z.number().int().nonnegative();

/** One holder's lease as the gate keeps it. */
export const GateLease = z.object({
  id: z.string(),
  holder: z.string(),
  slots: Count,
  inUse: Count,
  /** Start times the holder held at its last acquire (waiting for their moment and a free slot). */
  held: Count,
  expiresAt: z.number(),
});
export type GateLease = z.infer<typeof GateLease>;

/**
 * The whole state of one gate, plain data: the in-memory gate keeps it in a variable, the DynamoDB gate
 * in one item (as JSON, replaced by a version-checked conditional update). Every transition below is a
 * pure function of (state, request, now, settings), so both behave the same.
 */
export const RateGateState = z.object({
  format: z.literal(1),
  controller: RateControllerState,
  /** The next start time free to hand out (GCRA's theoretical arrival time), epoch ms. */
  nextStartAt: z.number(),
  /** The last gap a call made late left in the schedule (see `late-call-gap.ts`). */
  lateGap: LateCallGap.nullable().default(null),
  leases: z.array(GateLease),
  /** Leases ever opened: the next lease id. */
  leaseSeq: Count,
  counts: z.object({ granted: Count, succeeded: Count, rateLimited: Count, failed: Count, waits: Count }),
  waitedMs: z.number().nonnegative(),
  lastRateLimitedAt: z.number().nullable(),
});
export type RateGateState = z.infer<typeof RateGateState>;

/** Time and settings of one transition. */
export interface GateContext {
  readonly now: number;
  readonly settings: RateGateSettings;
}

/** A transition's new state and its answer. */
export interface GateTransition<T> {
  readonly state: RateGateState;
  readonly result: T;
}

/** A gate that has handed out nothing and learned nothing yet. */
export function startGateState(settings: RateGateSettings, now: number): RateGateState {
  return {
    format: 1,
    controller: startController(settings, now),
    nextStartAt: now,
    lateGap: null,
    leases: [],
    leaseSeq: 0,
    counts: { granted: 0, succeeded: 0, rateLimited: 0, failed: 0, waits: 0 },
    waitedMs: 0,
    lastRateLimitedAt: null,
  };
}

const whole = (n: number | undefined): number => Math.max(0, Math.floor(n ?? 0));
const sum = (leases: readonly GateLease[], field: 'slots' | 'inUse' | 'held'): number =>
  leases.reduce((total, lease) => total + lease[field], 0);
const toLease = (lease: GateLease): Lease => ({
  id: lease.id,
  slots: lease.slots,
  expiresAt: lease.expiresAt,
});
const pausedUntil = (state: RateGateState, now: number): number | null =>
  state.controller.pausedUntil > now ? state.controller.pausedUntil : null;

/**
 * Whether a start time handed out holds one of its holder's slots until its call ends. Against an
 * unknown concurrency limit it does: the in-flight allowance is then learned as calls plus starts held,
 * which is what saturation uses. Against a known one it does not: slots are calls in flight, so the
 * whole limit carries calls (a holder still holds no more starts than it has slots; starts that find
 * no free slot in time are handed back unused).
 */
export const startsHoldSlots = (settings: RateGateSettings): boolean => settings.maxInFlight === null;

interface Absorbed {
  readonly state: RateGateState;
  /** Index of the reporter's live lease in `state.leases`, or -1. */
  readonly index: number;
}

/**
 * What every round trip does first: drop expired leases, close controller rounds, apply the reporter's
 * outcomes and returns, and shrink its lease if the allowance fell below the slots held.
 */
function absorb(previous: RateGateState, report: LeaseReport, { now, settings }: GateContext): Absorbed {
  const leases = previous.leases
    .filter((lease) => lease.expiresAt > now)
    .map((lease) => {
      if (lease.id !== report.leaseId || lease.holder !== report.holder) return lease;
      const inUse = Math.min(whole(report.inUse), lease.slots);
      const returned = Math.min(whole(report.returnSlots), lease.slots - inUse);
      return { ...lease, inUse, slots: lease.slots - returned };
    });
  const index = leases.findIndex((lease) => lease.id === report.leaseId && lease.holder === report.holder);
  let controller = stepController(previous.controller, settings, now);
  const counts = { ...previous.counts };
  let lastRateLimitedAt = previous.lastRateLimitedAt;
  const leased = sum(leases, 'slots');
  const used = sum(leases, 'inUse') + sum(leases, 'held');
  // The others' calls in flight as last reported, plus the reporter's own count at each call's start.
  const others = sum(
    leases.filter((lease) => lease.id !== report.leaseId),
    'inUse',
  );
  let schedule: Schedule = { nextStartAt: previous.nextStartAt, lateGap: previous.lateGap };
  for (const outcome of report.outcomes) {
    const view = { level: others + whole(outcome.inFlightAtStart), leased, used };
    // A call made later than the slack of the pace its successors were handed out at: leave a gap in
    // the schedule rather than meet a 429.
    schedule = withLateCallGap(schedule, controller, settings, outcome);
    controller = recordOutcome(controller, settings, now, outcome, view);
    if (outcome.kind === 'succeeded') counts.succeeded += 1;
    else if (outcome.kind === 'failed') counts.failed += 1;
    else {
      counts.rateLimited += 1;
      lastRateLimitedAt = now;
    }
  }
  controller = recordUnusedStarts(
    controller,
    settings,
    now,
    whole(report.unusedStarts),
    report.unusedStartTimes ?? [],
  );
  const lease = leases[index];
  const excess = sum(leases, 'slots') - allowance(controller, settings).inFlight;
  if (lease !== undefined && excess > 0) {
    leases[index] = { ...lease, slots: Math.max(lease.inUse, lease.slots - excess) };
  }
  return {
    state: {
      ...previous,
      controller,
      ...schedule,
      leases,
      counts,
      lastRateLimitedAt,
      waitedMs: previous.waitedMs + Math.max(0, report.waitedMs ?? 0),
    },
    index,
  };
}

/** Share of a known limit's headroom that starts used late may take up; the rest absorbs jitter after. */
const GRACE_SHARE_OF_HEADROOM = 0.5;

/**
 * How late a start may be used. Starts `spacing` apart put `n` calls in `(n − 1) × spacing`; a known
 * limit less headroom `h` leaves `window × h / (1 − h)` of slack per window, and a start used later than
 * that can let `limit + 1` calls into one window. That happens when starts wait for a free slot (a known
 * concurrency limit, see `startsHoldSlots`): then a start against a known pace is good for half that
 * slack, and one against a learned pace (which the concurrency limit, not the pace, binds) for a whole
 * window, so that a slot freed by a call finds a start at hand instead of a round trip to the gate.
 * When a start holds its slot it is good until the next one.
 */
export function startGraceMs(settings: RateGateSettings, spacingMs: number, paced: WaitReason): number {
  const known = paced === 'tokens' ? settings.tokensPerMinute : settings.requestsPerMinute;
  if (startsHoldSlots(settings)) return spacingMs;
  if (known === null) return Math.max(spacingMs, startHorizonMs(settings));
  const slack = (settings.windowMs * settings.headroom) / (1 - settings.headroom);
  return Math.max(1, Math.min(spacingMs, GRACE_SHARE_OF_HEADROOM * slack));
}

/** Take or renew a lease, grant slots within the in-flight allowance and paced start times. */
export function gateAcquire(
  previous: RateGateState,
  request: AcquireRequest,
  context: GateContext,
): GateTransition<AcquireResult> {
  const { now, settings } = context;
  const absorbed = absorb(previous, request, context);
  let { state } = absorbed;
  const leases = [...state.leases];
  const expiresAt = Math.max(now, Math.min(request.holdUntil, now + settings.maxLeaseMs));
  let lease: GateLease;
  let leaseSeq = state.leaseSeq;
  const held = leases[absorbed.index];
  if (held === undefined) {
    // A new lease (or one that expired while its holder lived on): it starts with no slots.
    leaseSeq += 1;
    lease = {
      id: `${request.holder}#${leaseSeq}`,
      holder: request.holder,
      slots: 0,
      inUse: 0,
      held: 0,
      expiresAt,
    };
    leases.push(lease);
  } else {
    lease = { ...held, held: whole(request.startsHeld), expiresAt };
  }
  const index = held === undefined ? leases.length - 1 : absorbed.index;
  let controller = state.controller;
  const limits = allowance(controller, settings);

  const wantSlots = whole(request.want.slots);
  const freeSlots = Math.max(0, limits.inFlight - sum(leases, 'slots'));
  const slotGrant = Math.min(wantSlots, freeSlots);
  lease = { ...lease, slots: lease.slots + slotGrant };

  const wantRequests = Math.min(whole(request.want.requests), settings.leaseRequests);
  const startsHeld = whole(request.startsHeld);
  const usable = Math.min(
    wantRequests,
    Math.max(
      0,
      startsHoldSlots(settings) ? lease.slots - lease.inUse - startsHeld : lease.slots - startsHeld,
    ),
  );
  controller = withStartTokens(controller, request.want.tokensPerRequest);
  const tokensPerRequest = request.want.tokensPerRequest ?? controller.tokensPerCall ?? 0;
  const requestSpacing = 60_000 / limits.requestsPerMinute;
  const tokenSpacing =
    limits.tokensPerMinute === null ? 0 : (tokensPerRequest * 60_000) / limits.tokensPerMinute;
  const spacingMs = startsUnpaced(controller, settings) ? 0 : Math.max(requestSpacing, tokenSpacing);
  const paced: WaitReason = tokenSpacing > requestSpacing ? 'tokens' : 'requests';
  const starts: number[] = [];
  let nextStartAt = state.nextStartAt;
  let wait: AcquireResult['wait'] = null;

  if (wantRequests > 0 && limits.pausedUntil > now) {
    wait = { until: limits.pausedUntil, reason: 'paused' };
  } else if (usable > 0) {
    const horizon = now + Math.max(spacingMs, startHorizonMs(settings));
    const first = Math.max(nextStartAt, now);
    while (starts.length < usable && first + starts.length * spacingMs <= horizon) {
      starts.push(first + starts.length * spacingMs);
    }
    nextStartAt = first + starts.length * spacingMs;
    if (starts.length < usable) {
      controller = markRateBound(controller);
      wait = { until: Math.max(now + 1, nextStartAt - (horizon - now)), reason: paced };
    }
    controller = recordStarts(controller, settings, starts);
  }
  // Short of starts for want of slots, or short of slots it asked for: either way, wait for calls to end.
  if (wait === null && (usable < wantRequests || slotGrant < wantSlots)) {
    // Slots are short. The in-flight allowance counts as bound only when its slots are really used (by
    // calls or start times), not merely held. Ask again after about one latency, when calls have ended.
    const others = leases.filter((_, i) => i !== index);
    const used = sum(others, 'inUse') + sum(others, 'held') + lease.inUse + lease.held;
    if (slotGrant < wantSlots && used >= limits.inFlight - 1) {
      controller = markInFlightBound(controller);
    }
    const latency = observedLatencyMs(controller) ?? settings.windowMs;
    wait = { until: now + Math.max(1, Math.min(settings.windowMs, latency)), reason: 'in_flight' };
  }
  leases[index] = lease;
  state = {
    ...state,
    controller,
    leases,
    leaseSeq,
    nextStartAt,
    counts: {
      ...state.counts,
      granted: state.counts.granted + starts.length,
      waits: state.counts.waits + (wait === null ? 0 : 1),
    },
  };
  return {
    state,
    result: {
      lease: toLease(lease),
      starts,
      spacingMs,
      graceMs: startGraceMs(settings, spacingMs, paced),
      wait,
      pausedUntil: pausedUntil(state, now),
    },
  };
}

/** Apply outcomes and returns, keeping the lease. */
export function gateReport(
  previous: RateGateState,
  report: LeaseReport,
  context: GateContext,
): GateTransition<ReportResult> {
  const { state, index } = absorb(previous, report, context);
  const lease = state.leases[index];
  return {
    state,
    result: {
      lease: lease === undefined ? null : toLease(lease),
      pausedUntil: pausedUntil(state, context.now),
    },
  };
}

/** Apply outcomes and end the lease. */
export function gateRelease(
  previous: RateGateState,
  report: LeaseReport,
  context: GateContext,
): GateTransition<ReportResult> {
  const { state, index } = absorb(previous, report, context);
  const leases = state.leases.filter((_, i) => i !== index);
  const released = { ...state, leases };
  return { state: released, result: { lease: null, pausedUntil: pausedUntil(released, context.now) } };
}

/** The state for display, as of `now` (rounds closed and expired leases dropped, nothing stored). */
export function describeGate(
  previous: RateGateState,
  key: string,
  { now, settings }: GateContext,
): RateGateSnapshot {
  const controller = stepController(previous.controller, settings, now);
  const leases = previous.leases.filter((lease) => lease.expiresAt > now);
  const limits = allowance(controller, settings);
  return {
    key,
    at: now,
    allowance: {
      requestsPerMinute: limits.requestsPerMinute,
      inFlight: limits.inFlight,
      tokensPerMinute: limits.tokensPerMinute,
    },
    limits: {
      requestsPerMinute: settings.requestsPerMinute,
      tokensPerMinute: settings.tokensPerMinute,
      maxInFlight: settings.maxInFlight,
    },
    refusedAt: {
      requestsPerMinute: controller.rate.failedAt,
      inFlight: controller.inFlight.failedAt,
    },
    inFlight: { leased: sum(leases, 'slots'), inUse: sum(leases, 'inUse') },
    leases: leases.length,
    pausedUntil: controller.pausedUntil > now ? controller.pausedUntil : null,
    latencyMs: observedLatencyMs(controller),
    tokensPerCall: controller.tokensPerCall,
    acceptedPerMinute: acceptedPerMinute(controller, settings, now),
    counts: previous.counts,
    waitedMs: previous.waitedMs,
    lastRateLimitedAt: previous.lastRateLimitedAt,
  };
}

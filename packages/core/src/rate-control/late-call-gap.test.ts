import { makeAcquireRequest, simulateSharedEndpointJob } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { LeaseReport } from '../ports/rate-gate';
import { createInMemoryRateGate } from './in-memory-rate-gate';
import { lateCallGapMs } from './late-call-gap';
import { type CallOutcome, startController } from './rate-controller';
import { parseRateGateSettings } from './rate-gate-settings';
import { gateAcquire, gateReport, startGateState } from './rate-gate-state';

const T0 = 1_000_000;
/** Bench (a) and (e): 1,200 requests a minute over a 1 s window, paced at 0.98 × 20/s (51.02 ms apart). */
const settings = parseRateGateSettings({ requestsPerMinute: 1_200, windowMs: 1_000 });
/** 20 starts 51.02 ms apart span 1,020.4 ms: 20.4 ms of slack per window. */
const SLACK_MS = 20 * (60_000 / 1_176) - 1_000;

const answered = (startedAt: number, lateMs: number): CallOutcome => ({
  kind: 'succeeded',
  latencyMs: 200,
  tokens: 100,
  startedAt,
  inFlightAtStart: 1,
  lateMs,
});

/**
 * A controller that has seen a `Retry-After` of `pauseMs` (its last pause), and 64 calls on time (a few
 * late ones leave the pace's lateness quantile, and so its slack, where it was).
 */
const pausedBefore = (pauseMs: number) => ({
  ...startController(settings, T0),
  lastPauseMs: pauseMs,
  lateSamples: Array.from({ length: 64 }, () => 0),
});

describe('a call made late leaves a gap in the schedule instead of a 429', () => {
  it('the gap is the lateness beyond the pace’s slack, while shorter than the pause a 429 brings', () => {
    const state = pausedBefore(1_000);
    expect(lateCallGapMs(state, settings, answered(T0, 100), T0 + 400)).toBeCloseTo(100 - SLACK_MS, 6);
    // Within the slack, nothing.
    expect(lateCallGapMs(state, settings, answered(T0, 15), T0 + 400)).toBe(0);
    // A refused call is not in the endpoint's window.
    const refused: CallOutcome = {
      kind: 'rate_limited',
      retryAfterMs: 1_000,
      startedAt: T0,
      inFlightAtStart: 1,
      lateMs: 100,
    };
    expect(lateCallGapMs(state, settings, refused, T0 + 400)).toBe(0);
    // Starts were already handed out past the window the late call crowds: too late to help.
    expect(lateCallGapMs(state, settings, answered(T0, 100), T0 + 1_100)).toBe(0);
    // An exact `retry-after-ms` of 40 ms costs less than an 80 ms gap; no 429 seen yet: nothing known.
    expect(lateCallGapMs(pausedBefore(40), settings, answered(T0, 100), T0 + 400)).toBe(0);
    expect(lateCallGapMs(pausedBefore(0), settings, answered(T0, 100), T0 + 400)).toBe(0);
    // No known limit: nothing to keep slack against.
    const unknown = parseRateGateSettings({ requestsPerMinute: null, windowMs: 1_000 });
    expect(lateCallGapMs(pausedBefore(1_000), unknown, answered(T0, 100), T0 + 400)).toBe(0);
  });

  it('a report of a late call moves the gate’s next start by the gap', () => {
    const context = { now: T0, settings };
    const acquired = gateAcquire(
      { ...startGateState(settings, T0), controller: pausedBefore(1_000) },
      makeAcquireRequest('a', { want: { requests: 8, slots: 8 } }),
      context,
    );
    const before = acquired.state.nextStartAt;
    const report: LeaseReport = {
      holder: 'a',
      leaseId: acquired.result.lease.id,
      inUse: 0,
      outcomes: [answered(T0, 100)],
      returnSlots: 0,
    };
    const after = gateReport(acquired.state, report, { now: T0 + 300, settings }).state.nextStartAt;
    expect(after - before).toBeCloseTo(100 - SLACK_MS, 6);
  });

  it('calls held back together by a stall move the schedule once, by the largest gap, not by the sum', () => {
    const context = { now: T0, settings };
    const acquired = gateAcquire(
      { ...startGateState(settings, T0), controller: pausedBefore(1_000) },
      makeAcquireRequest('a', { want: { requests: 8, slots: 8 } }),
      context,
    );
    const before = acquired.state.nextStartAt;
    // Five starts 51 ms apart, all sent at once when a 300 ms stall ended.
    const stalled = [0, 1, 2, 3, 4].map((i) => answered(T0 + i * 51, 300 - i * 51));
    const report = (outcomes: CallOutcome[]): LeaseReport => ({
      holder: 'a',
      leaseId: acquired.result.lease.id,
      inUse: 0,
      outcomes,
      returnSlots: 0,
    });
    const once = gateReport(acquired.state, report(stalled), { now: T0 + 500, settings }).state;
    expect(once.nextStartAt - before).toBeCloseTo(300 - SLACK_MS, 6);
    // The same calls reported one by one: the same gap.
    let state = acquired.state;
    for (const outcome of stalled)
      state = gateReport(state, report([outcome]), { now: T0 + 500, settings }).state;
    expect(state.nextStartAt).toBeCloseTo(once.nextStartAt, 6);
    // A call sent late after the gap (its start handed out after it) needs a gap of its own.
    const alone = answered(once.nextStartAt, 100);
    const later = gateReport(once, report([alone]), { now: T0 + 700, settings });
    expect(later.state.nextStartAt - once.nextStartAt).toBeCloseTo(100 - SLACK_MS, 6);
  });

  it('bench (e) as a job with one call in a hundred 100 ms late: about one 429 a run, not four', async () => {
    // Two holders, 500 lines, `Retry-After` in whole seconds: each late call used to put one call more
    // than the limit into a window a second later, whose 429 paused both holders for a whole window.
    const { refusedPerRun, goodput, allAnswered } = await simulateSharedEndpointJob(
      (clock) => createInMemoryRateGate({ key: 'shared', clock, settings }),
      { rareLateCalls: { share: 0.01, ms: 100 } },
    );
    const figures = `${refusedPerRun} refused a run, ${goodput.toFixed(3)} of the limit`;
    // Without the gap: 3.6 refused a run and 0.87 of the limit (the first late call still meets a 429:
    // until one, the gate does not know what a pause costs).
    expect(refusedPerRun, figures).toBeLessThanOrEqual(2);
    expect(goodput, figures).toBeGreaterThanOrEqual(0.9);
    expect(allAnswered).toBe(true);
  }, 60_000); // eight simulated runs: ~4 s of CPU alone, more on a loaded machine
});

import { describe, expect, it } from 'vitest';
import {
  acceptedPerMinute,
  allowance,
  type CallOutcome,
  type InFlightView,
  isQueueing,
  markInFlightBound,
  markRateBound,
  observedLatencyMs,
  type RateControllerState,
  recordOutcome,
  recordStarts,
  recordUnusedStarts,
  startController,
  stepController,
} from './rate-controller';
import { parseRateGateSettings } from './rate-gate-settings';

const T0 = 1_000_000;
const calm: InFlightView = { level: 1, leased: 4, used: 1 };

const succeeded = (startedAt: number, latencyMs = 200, tokens: number | null = 100): CallOutcome => ({
  kind: 'succeeded',
  latencyMs,
  tokens,
  startedAt,
  inFlightAtStart: 1,
});
const refusal = (startedAt: number, retryAfterMs: number | null = null): CallOutcome => ({
  kind: 'rate_limited',
  retryAfterMs,
  startedAt,
  inFlightAtStart: 1,
});

/** `perSecond` calls a second for `seconds`, all accepted, starting at `from`. */
function traffic(
  state: RateControllerState,
  settings = parseRateGateSettings(),
  from: number,
  seconds: number,
  perSecond: number,
) {
  let s = state;
  for (let i = 0; i < seconds * perSecond; i += 1) {
    const at = from + (i * 1000) / perSecond;
    s = recordStarts(s, settings, [at]);
    s = recordOutcome(s, settings, at + 200, succeeded(at), calm);
  }
  return s;
}

describe('rate controller', () => {
  it("starts at known limits (less headroom): NVIDIA's trial tier by default", () => {
    const settings = parseRateGateSettings();
    const limits = allowance(startController(settings, T0), settings);
    expect(limits.requestsPerMinute).toBeCloseTo(40 * 0.98, 9);
    expect(limits.inFlight).toBe(4);
    expect(limits.tokensPerMinute).toBeNull();
    const known = parseRateGateSettings({ maxInFlight: 12, tokensPerMinute: 100_000 });
    expect(allowance(startController(known, T0), known)).toMatchObject({
      inFlight: 12,
      tokensPerMinute: 98_000,
    });
  });

  it('sizes in-flight by Little’s law when it binds: R1 at 40 requests/min and a minute per answer', () => {
    const settings = parseRateGateSettings();
    let state = startController(settings, T0);
    for (let i = 0; i < 8; i += 1)
      state = recordOutcome(state, settings, T0, succeeded(T0, 60_000, 12_000), calm);
    expect(observedLatencyMs(state)).toBe(60_000);
    state = stepController(markInFlightBound(state), settings, T0 + 60_000);
    // 39.2/min × (1.5 × 60 s in flight + 60 s of start times held ahead) + 1
    expect(allowance(state, settings).inFlight).toBe(Math.ceil((39.2 * 150) / 60) + 1);
  });

  it('with a known concurrency limit and an unknown rate, starts at C per window and jumps to 2 × C / latency on the first answer', () => {
    const settings = parseRateGateSettings({ requestsPerMinute: null, maxInFlight: 8, windowMs: 1_000 });
    let state = startController(settings, T0);
    // 8 calls may be in flight by the user's word: 8 starts per 1 s window, not 20/min (one every 3 s).
    expect(allowance(state, settings).requestsPerMinute).toBe(480);
    state = recordOutcome(state, settings, T0 + 340, succeeded(T0, 340), calm);
    // 8 calls in flight of 340 ms each carry 8 / 0.34 s ≈ 1,412 requests/min: the pace is twice that
    // (latency spreads; the concurrency limit bounds what is sent) at once, not at the end of the window.
    expect(allowance(state, settings).requestsPerMinute).toBeCloseTo((2 * 8 * 60_000) / 340, 6);
    // Slow start goes on from there (no 429 yet).
    state = stepController(markRateBound(state), settings, T0 + 1_000);
    expect(allowance(state, settings).requestsPerMinute).toBeCloseTo((1.5 * 2 * 8 * 60_000) / 340, 6);
  });

  it('without a known concurrency limit an unknown rate starts at initialRequestsPerMinute and the first answer changes nothing', () => {
    const settings = parseRateGateSettings({ requestsPerMinute: null, windowMs: 1_000 });
    let state = startController(settings, T0);
    expect(allowance(state, settings).requestsPerMinute).toBe(20);
    state = recordOutcome(state, settings, T0 + 340, succeeded(T0, 340), calm);
    expect(allowance(state, settings).requestsPerMinute).toBe(20);
  });

  it('keeps slack for calls made late: a known limit is paced below late / (window + late) more, and the slack fades', () => {
    const settings = parseRateGateSettings({ requestsPerMinute: 1_200, windowMs: 1_000 });
    const late = (at: number, lateMs: number): CallOutcome => ({ ...succeeded(at), lateMs });
    // One call in twenty 40 ms late: past the 80th percentile of lateness, slack for 5 ms only.
    let rare = startController(settings, T0);
    for (let i = 0; i < 20; i += 1)
      rare = recordOutcome(rare, settings, T0, late(T0, i === 19 ? 40 : 5), calm);
    rare = stepController(markRateBound(rare), settings, T0 + 1_000);
    expect(allowance(rare, settings).requestsPerMinute).toBeCloseTo(1_200 * (1 - 0.02 - 5 / 1_005), 0);
    // Five in twenty: the 80th percentile is 40 ms.
    let state = startController(settings, T0);
    for (let i = 0; i < 20; i += 1)
      state = recordOutcome(state, settings, T0, late(T0, i >= 15 ? 40 : 5), calm);
    state = stepController(markRateBound(state), settings, T0 + 1_000);
    // 2 % headroom plus 40 / 1 040 of the window for calls up to 40 ms late.
    expect(allowance(state, settings).requestsPerMinute).toBeCloseTo(1_200 * (1 - 0.02 - 40 / 1_040), 0);
    // On time from then on: the late calls leave the recent samples and the pace climbs back to the limit less 2 %.
    let at = T0 + 1_000;
    for (let round = 0; round < 120; round += 1) {
      for (let i = 0; i < 20; i += 1) state = recordOutcome(state, settings, at, late(at, 0), calm);
      at += 1_000;
      state = stepController(markRateBound(state), settings, at);
    }
    expect(allowance(state, settings).requestsPerMinute).toBeGreaterThan(1_200 * 0.979);
    // Against a provider's 60 s window the same lateness costs next to nothing.
    const minute = parseRateGateSettings({ requestsPerMinute: 1_200 });
    let slow = startController(minute, T0);
    slow = recordOutcome(slow, minute, T0, late(T0, 40), calm);
    slow = stepController(markRateBound(slow), minute, T0 + 60_000);
    expect(allowance(slow, minute).requestsPerMinute).toBeCloseTo(1_200 * (1 - 0.02 - 40 / 60_040), 6);
  });

  it("honours a 429's Retry-After for everyone, capped by maxPauseMs", () => {
    const settings = parseRateGateSettings({ maxPauseMs: 30_000 });
    const state = startController(settings, T0);
    expect(recordOutcome(state, settings, T0, refusal(T0, 5_000), calm).pausedUntil).toBe(T0 + 5_000);
    expect(recordOutcome(state, settings, T0, refusal(T0, 3_600_000), calm).pausedUntil).toBe(T0 + 30_000);
  });

  it('without Retry-After pauses one request interval and cuts the rate from the allowance', () => {
    const settings = parseRateGateSettings({ requestsPerMinute: null, initialRequestsPerMinute: 600 });
    const after = recordOutcome(startController(settings, T0), settings, T0, refusal(T0), calm);
    expect(after.rate.value).toBeCloseTo(540, 9);
    expect(after.pausedUntil).toBe(T0 + Math.ceil(60_000 / 540));
  });

  it('cuts the rate to what the endpoint accepted over the last window', () => {
    const settings = parseRateGateSettings({
      requestsPerMinute: null,
      initialRequestsPerMinute: 6_000,
      windowMs: 1_000,
    });
    let state = traffic(startController(settings, T0), settings, T0, 3, 20);
    expect(acceptedPerMinute(state, settings, T0 + 3_000)).toBeCloseTo(1_200, 6);
    state = recordOutcome(state, settings, T0 + 3_000, refusal(T0 + 3_000), calm);
    expect(state.rate.failedAt).toBeCloseTo(1_200, 6);
    expect(state.rate.value).toBeCloseTo(1_080, 6);
  });

  it('at a known limit the endpoint fully accepts, a 429 is timing: it pauses and steps down by the headroom only', () => {
    const settings = parseRateGateSettings({ requestsPerMinute: 1_200, windowMs: 1_000 });
    const busy = traffic(startController(settings, T0), settings, T0, 3, 20);
    // Without Retry-After (with one, the first such 429 in ten windows is only a pause: next test).
    const jitter = recordOutcome(busy, settings, T0 + 3_000, refusal(T0 + 3_000, null), calm);
    expect(jitter.rate.value).toBeCloseTo(0.98 * 1_176, 6);
    expect(jitter.pausedUntil).toBe(T0 + 3_000 + Math.ceil(60_000 / jitter.rate.value));
    // The same 429 when the endpoint took only 7 a window: the limit fell, cut from what it accepted.
    const fallen = traffic(startController(settings, T0), settings, T0, 3, 7);
    const cut = recordOutcome(fallen, settings, T0 + 3_000, refusal(T0 + 3_000, 1_000), calm);
    expect(cut.rate.value).toBeCloseTo(0.9 * 420, 6);
  });

  it('a refusal that is not timing right after a timing step is a limit that fell: cut at once, not swallowed by the step', () => {
    // An unannounced 20 → 7 drop: its first refusal meets a window still full of the old pace (timing, a
    // 2 % step); the next, after the endpoint took 7 in a window, measures the new limit. It used to fall
    // in the step's settle episode and cut nothing (bench (c): ~3 s at the old pace, pausing everyone).
    const settings = parseRateGateSettings({ requestsPerMinute: 1_200, windowMs: 1_000 });
    const busy = traffic(startController(settings, T0), settings, T0, 3, 20);
    const stepped = recordOutcome(busy, settings, T0 + 3_000, refusal(T0 + 3_000, null), calm);
    expect(stepped.rate.value).toBeCloseTo(0.98 * 1_176, 6);
    const fell = traffic(stepped, settings, T0 + 3_100, 1, 7);
    const cut = recordOutcome(fell, settings, T0 + 4_100, refusal(T0 + 4_100, null), calm);
    expect(cut.rate.value).toBeCloseTo(0.9 * 420, 6);
    expect(cut.rate.fellFrom).toBeCloseTo(busy.rate.value, 6);
    // Another timing refusal in the step's episode (the window still full) still changes nothing.
    const full = traffic(stepped, settings, T0 + 3_000, 0.3, 20);
    const again = recordOutcome(full, settings, T0 + 3_300, refusal(T0 + 3_300, null), calm);
    expect(again.rate.value).toBe(stepped.rate.value);
    expect(again.rate.cutAt).toBe(stepped.rate.cutAt);
  });

  it('a burst of 429s with Retry-After after a window fully accepted at the pace is a pause: no cut, once per ten windows', () => {
    const settings = parseRateGateSettings({ requestsPerMinute: 1_200, windowMs: 1_000 });
    const busy = traffic(startController(settings, T0), settings, T0, 3, 20);
    const first = recordOutcome(busy, settings, T0 + 3_000, refusal(T0 + 3_000, 1_000), calm);
    expect(first.rate).toEqual(busy.rate);
    expect(first.pausedUntil).toBe(T0 + 4_000);
    // The rest of the burst (a call started within a window and a horizon of its first) pauses too.
    const burst = recordOutcome(first, settings, T0 + 3_500, refusal(T0 + 3_400, 1_000), calm);
    expect(burst.rate).toEqual(busy.rate);
    expect(burst.pausedUntil).toBe(T0 + 4_500);
    // Another burst within ten windows, after clean windows: read as timing at the limit again.
    const again = traffic(burst, settings, T0 + 5_500, 3, 20);
    const second = recordOutcome(again, settings, T0 + 8_500, refusal(T0 + 8_500, 1_000), calm);
    expect(second.rate.value).toBeCloseTo(0.98 * 1_176, 6);
    // Ten windows later, a burst is a pause again.
    const later = traffic(burst, settings, T0 + 10_000, 4, 20);
    const third = recordOutcome(later, settings, T0 + 14_000, refusal(T0 + 14_000, 1_000), calm);
    expect(third.rate).toEqual(later.rate);
    // A Retry-After while the endpoint took less than the pace over the window is not a pause: cut.
    const slow = traffic(startController(settings, T0), settings, T0, 3, 7);
    const fallen = recordOutcome(slow, settings, T0 + 3_000, refusal(T0 + 3_000, 1_000), calm);
    expect(fallen.rate.value).toBeCloseTo(0.9 * 420, 6);
  });

  it('a refusal after the pause, once the endpoint took calls again, ends the burst: the limit fell', () => {
    const settings = parseRateGateSettings({ requestsPerMinute: 1_200, windowMs: 1_000 });
    const busy = traffic(startController(settings, T0), settings, T0, 3, 20);
    const first = recordOutcome(busy, settings, T0 + 3_000, refusal(T0 + 3_000, 1_000), calm);
    expect(first.rate).toEqual(busy.rate);
    // After the pause the endpoint takes 7 calls, then refuses again: a lower limit, not the same hiccup.
    const taken = traffic(first, settings, T0 + 4_000, 1, 7);
    const again = recordOutcome(taken, settings, T0 + 4_950, refusal(T0 + 4_950, 1_000), calm);
    expect(again.rate.value).toBeLessThan(0.5 * busy.rate.value);
    expect(again.rate.fellFrom).toBeCloseTo(busy.rate.value, 6);
  });

  it('a 429 while the endpoint takes all the pace that keeps slack for late calls is timing too, not a fallen limit', () => {
    const settings = parseRateGateSettings({ requestsPerMinute: 1_200, windowMs: 1_000 });
    // Calls up to 150 ms late: the pace keeps 2 % + 150 / 1 150 of the limit free, ~17 per window.
    let state = recordOutcome(
      startController(settings, T0),
      settings,
      T0,
      { ...succeeded(T0), lateMs: 150 },
      calm,
    );
    state = stepController(markRateBound(state), settings, T0 + 1_000);
    const pace = allowance(state, settings).requestsPerMinute;
    expect(pace).toBeLessThan(0.9 * 1_176);
    const busy = traffic(state, settings, T0 + 1_000, 3, pace / 60);
    const jitter = recordOutcome(busy, settings, T0 + 4_000, refusal(T0 + 4_000, 1_000), calm);
    // Stepped down by the headroom (2 %), not cut to 0.9 × what the window held.
    expect(jitter.rate.value).toBeGreaterThan(0.97 * pace);
  });

  it('a 429 of a call held back by a stall is timing, not a fallen limit, however empty the stall left the window', () => {
    const settings = parseRateGateSettings({ requestsPerMinute: 1_200, windowMs: 1_000 });
    // A stalled process: the last window carried 12 calls, then the calls held back went out late.
    const stalled = traffic(startController(settings, T0), settings, T0, 3, 12);
    const late = { ...refusal(T0 + 3_000, null), lateMs: 300 };
    const stepped = recordOutcome(stalled, settings, T0 + 3_000, late, calm);
    expect(stepped.rate.value).toBeCloseTo(0.98 * stalled.rate.value, 6);
    // The same 429 of a call made on time: the limit fell to what the window took.
    const onTime = recordOutcome(stalled, settings, T0 + 3_000, refusal(T0 + 3_000, null), calm);
    expect(onTime.rate.value).toBeCloseTo(0.9 * 720, 6);
  });

  it('blames a concurrency limit when a call is refused more crowded than any accepted call', () => {
    const settings = parseRateGateSettings({
      requestsPerMinute: null,
      initialRequestsPerMinute: 6_000,
      initialInFlight: 16,
      windowMs: 1_000,
    });
    let state = startController(settings, T0);
    for (let i = 0; i < 20; i += 1) {
      state = recordOutcome(state, settings, T0 + i, succeeded(T0 + i), { level: 8, leased: 12, used: 12 });
    }
    // One call more than any accepted call saw is what a rate limit that dropped also shows: no blame.
    const raced = recordOutcome(state, settings, T0 + 30, refusal(T0 + 30), {
      level: 9,
      leased: 12,
      used: 12,
    });
    expect(raced.inFlight).toEqual(state.inFlight);
    const crowded = recordOutcome(state, settings, T0 + 30, refusal(T0 + 30), {
      level: 10,
      leased: 12,
      used: 12,
    });
    expect(crowded.inFlight.failedAt).toBe(10);
    expect(allowance(crowded, settings).inFlight).toBe(9);
    expect(crowded.rate.value).toBe(state.rate.value);
  });

  it('a rate limit that dropped is not blamed on concurrency: a refused call is compared with the peak of the last windows', () => {
    const settings = parseRateGateSettings({
      requestsPerMinute: 1_200,
      windowMs: 1_000,
      initialInFlight: 25,
    });
    let state = startController(settings, T0);
    // At 20 a second accepted calls saw up to 6 in flight; then the limit fell to 7 a second, whose
    // accepted calls see 2 at most, while a call sent at the old pace still finds 5.
    for (let i = 0; i < 40; i += 1) {
      const at = T0 + i * 50;
      state = recordStarts(state, settings, [at]);
      state = recordOutcome(state, settings, at + 200, succeeded(at), { level: 6, leased: 25, used: 6 });
    }
    for (let i = 0; i < 14; i += 1) {
      const at = T0 + 2_000 + i * 143;
      state = recordStarts(state, settings, [at]);
      state = recordOutcome(state, settings, at + 200, succeeded(at), { level: 2, leased: 25, used: 2 });
    }
    const now = T0 + 4_100;
    const after = recordOutcome(state, settings, now, refusal(now), { level: 5, leased: 25, used: 5 });
    expect(after.inFlight).toEqual(state.inFlight);
    // The rate is cut from what the endpoint accepted over the last whole window (6 calls), not from the
    // allowance.
    expect(after.rate.value).toBeCloseTo(0.9 * 360, 6);
  });

  it('an unused start comes out of the window where it was counted, not out of the current moment', () => {
    const settings = parseRateGateSettings({ requestsPerMinute: 1_200, windowMs: 1_000 });
    // 20 starts handed out over a second; a 429 pause made 13 of them useless.
    const starts = Array.from({ length: 20 }, (_, i) => T0 + i * 50);
    let state = recordStarts(startController(settings, T0), settings, starts);
    const unused = starts.slice(7);
    state = recordUnusedStarts(state, settings, T0 + 1_050, unused.length, unused);
    expect(acceptedPerMinute(state, settings, T0 + 1_000)).toBeCloseTo(7 * 60, 6);
    // Without their times they count as unused now: the window before still reads 20.
    const undated = recordUnusedStarts(
      recordStarts(startController(settings, T0), settings, starts),
      settings,
      T0 + 1_050,
      unused.length,
    );
    expect(acceptedPerMinute(undated, settings, T0 + 1_000)).toBeCloseTo(20 * 60, 6);
  });

  it('spaces probes so that Retry-After pauses stay cheap', () => {
    const settings = parseRateGateSettings({
      requestsPerMinute: null,
      initialRequestsPerMinute: 1_200,
      windowMs: 1_000,
    });
    let state = traffic(startController(settings, T0), settings, T0, 2, 20);
    // A probe refused after several in a row: the limit stands.
    const probe = { lastGood: state.rate.value / 1.04, failedProbes: 6, probedAt: T0 + 1_500 };
    state = { ...state, rate: { ...state.rate, ...probe } };
    state = recordOutcome(state, settings, T0 + 2_000, refusal(T0 + 2_000, 1_000), calm);
    expect(state.lastPauseMs).toBe(1_000);
    // Pausing everyone 1 s at ~20 calls/s costs ~20 calls: probe no more often than every ~1,000
    // (~50 s) once probes keep being refused.
    let now = T0 + 3_000;
    state = traffic(state, settings, now, 10, 20);
    for (let i = 0; i < 10; i += 1) {
      now += 1_000;
      state = stepController(
        recordStarts(
          state,
          settings,
          Array.from({ length: 20 }, (_, k) => now + k * 50),
        ),
        settings,
        now,
      );
    }
    const target = (state.rate.failedAt ?? 0) * 0.98;
    expect(state.rate.value).toBeLessThanOrEqual(target + 1e-6);
  });

  it('sees queueing when calls take clearly longer per token than before', () => {
    const settings = parseRateGateSettings();
    let state = startController(settings, T0);
    for (let i = 0; i < 10; i += 1)
      state = recordOutcome(state, settings, T0, succeeded(T0, 1_000, 100), calm);
    expect(isQueueing(state)).toBe(false);
    // Longer answers alone are not queueing: the time per token is the same.
    for (let i = 0; i < 10; i += 1)
      state = recordOutcome(state, settings, T0, succeeded(T0, 10_000, 1_000), calm);
    expect(isQueueing(state)).toBe(false);
    for (let i = 0; i < 10; i += 1)
      state = recordOutcome(state, settings, T0, succeeded(T0, 3_000, 100), calm);
    expect(isQueueing(state)).toBe(true);
    const held = stepController(markInFlightBound(state), settings, T0 + 60_000);
    expect(held.inFlight.value).toBe(state.inFlight.value);
  });

  it('keeps the average tokens per call, and ignores answers without usage', () => {
    const settings = parseRateGateSettings();
    let state = startController(settings, T0);
    state = recordOutcome(state, settings, T0, succeeded(T0, 100, 1_000), calm);
    state = recordOutcome(state, settings, T0, succeeded(T0, 100, null), calm);
    expect(state.tokensPerCall).toBe(1_000);
    state = recordOutcome(state, settings, T0, succeeded(T0, 100, 2_600), calm);
    expect(state.tokensPerCall).toBeCloseTo(1_100, 9);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  countAccepted,
  countUse,
  cutLimit,
  holdMs,
  isProbing,
  type LimitEstimate,
  type LimitRules,
  markBound,
  recoveryTarget,
  startLimit,
  stepLimit,
} from './limit-estimate';

const rules: LimitRules = {
  ceiling: 1_000,
  floor: 1,
  roundMs: 1_000,
  settleMs: 2_000,
  decrease: 0.9,
  headroom: 0.02,
  probeAfterCalls: 100,
  startGrowth: 1.5,
};

/** Close `rounds` rounds in which demand exceeded the allowance. */
function boundRounds(estimate: LimitEstimate, from: number, rounds: number, r: LimitRules = rules) {
  let e = estimate;
  let now = from;
  for (let i = 0; i < rounds; i += 1) {
    e = markBound(e);
    now += r.roundMs;
    e = stepLimit(e, now, r);
  }
  return { estimate: e, now };
}

describe('limit estimate', () => {
  it('slow-starts by half per bound round, never past the ceiling, and not at all when idle', () => {
    const start = startLimit(100, 0);
    expect(boundRounds(start, 0, 1).estimate.value).toBe(150);
    expect(boundRounds(start, 0, 2).estimate.value).toBe(225);
    expect(boundRounds(start, 0, 20).estimate.value).toBe(1_000);
    expect(stepLimit(start, 5_000, rules).value).toBe(100);
    expect(stepLimit(markBound(start), 999, rules).value).toBe(100);
  });

  it('slow start jumps at least to its floor (what Little’s law needs)', () => {
    const grown = stepLimit(markBound(startLimit(4, 0)), 1_000, { ...rules, startFloor: 40 });
    expect(grown.value).toBe(40);
  });

  it('counts a round as bound when nearly all of the allowance was used', () => {
    const r = { ...rules, usedToBind: 90 };
    expect(stepLimit(countUse(startLimit(100, 0), 95), 1_000, r).value).toBe(150);
    expect(stepLimit(countUse(startLimit(100, 0), 50), 1_000, r).value).toBe(100);
    // Use over a longer stretch is scaled to one round.
    expect(stepLimit(countUse(startLimit(100, 0), 95), 2_000, r).value).toBe(100);
  });

  it('cuts to β × the lower of its value and the level refused at', () => {
    const cut = cutLimit(startLimit(200, 0), 10, 10, 150, rules);
    expect(cut.failedAt).toBe(150);
    expect(cut.value).toBeCloseTo(135, 9);
    expect(cutLimit(startLimit(200, 0), 10, 10, 500, rules).value).toBeCloseTo(180, 9);
  });

  it('answers one episode once: calls started within the settle time of a cut change nothing', () => {
    const cut = cutLimit(startLimit(200, 0), 10, 10, 200, rules);
    expect(cutLimit(cut, 1_500, 1_600, 100, rules)).toBe(cut);
    // A call started after the episode cuts again, from what it finds.
    expect(cutLimit(cut, 2_010, 2_020, 100, rules).value).toBeCloseTo(90, 9);
  });

  it('recovers to just below the failed level within three bound rounds, then holds', () => {
    // A refused probe (lastGood set) after two others: the hold is 2 × 2³ = 16 rounds.
    const probing = { ...startLimit(200, 0), lastGood: 190, failedProbes: 2 };
    const cut = cutLimit(probing, 0, 0, 200, rules);
    expect(cut.failedProbes).toBe(3);
    const target = recoveryTarget(cut, rules) ?? 0;
    expect(target).toBeCloseTo(196, 9);
    const recovered = boundRounds(cut, 0, 3);
    expect(recovered.estimate.value).toBeCloseTo(target, 9);
    expect(boundRounds(recovered.estimate, recovered.now, 12).estimate.value).toBeCloseTo(target, 9);
    expect(boundRounds(recovered.estimate, recovered.now, 14).estimate.value).toBeGreaterThan(target);
  });

  it('after a limit fell (a cut no probe caused), probes again after two rounds of time, however few calls', () => {
    const cut = cutLimit(startLimit(200, 0), 0, 0, 200, rules);
    expect(cut.failedProbes).toBe(0);
    expect(holdMs(cut, rules)).toBe(2 * rules.roundMs);
    const { estimate, now } = boundRounds(cut, 0, 3);
    expect(estimate.value).toBeCloseTo(196, 9);
    expect(boundRounds(estimate, now, 1).estimate.value).toBeCloseTo(196, 9);
    expect(boundRounds(estimate, now, 2).estimate.value).toBeCloseTo(196 * 1.01, 9);
  });

  it('after a limit fell, probes climb back toward the level it fell from: a quarter, a half, all of the gap', () => {
    // It ran at 200; the endpoint then accepted 100: cut to 90, recovered to 98 below the level that failed.
    const cut = cutLimit(startLimit(200, 0), 0, 0, 100, rules);
    expect(cut.fellFrom).toBe(200);
    const { estimate, now } = boundRounds(cut, 0, 4);
    expect(estimate.value).toBeCloseTo(98, 9);
    const first = boundRounds(estimate, now, 1);
    expect(first.estimate.value).toBeCloseTo(98 + 0.25 * 102, 9);
    const second = boundRounds(first.estimate, first.now, 1);
    expect(second.estimate.value).toBeCloseTo(123.5 + 0.5 * 76.5, 9);
    const third = boundRounds(second.estimate, second.now, 1);
    expect(third.estimate.value).toBeCloseTo(200, 9);
    expect(third.estimate.fellFrom).toBeNull();
    // Beyond it, the plain probes: +8 % (the gain kept doubling).
    expect(boundRounds(third.estimate, third.now, 1).estimate.value).toBeCloseTo(216, 9);
  });

  it('a probe refused below the level the limit fell from keeps it; one refused at or above forgets it', () => {
    const cut = cutLimit(startLimit(200, 0), 0, 0, 100, rules);
    const held = boundRounds(cut, 0, 4);
    const probed = boundRounds(held.estimate, held.now, 1);
    // The endpoint still accepts only 100: back to the last step a whole round accepted.
    const refused = cutLimit(probed.estimate, probed.now, probed.now, 100, rules);
    expect(refused.value).toBeCloseTo(98, 9);
    expect(refused.fellFrom).toBe(200);
    const above = { ...probed.estimate, value: 210, lastGood: 200 };
    expect(cutLimit(above, probed.now, probed.now, 500, rules).fellFrom).toBeNull();
  });

  it('a cut in slow start remembers no level it fell from (slow start overshot, nothing fell)', () => {
    const grown = boundRounds(startLimit(100, 0), 0, 1);
    expect(isProbing(grown.estimate, grown.now, rules)).toBe(true);
    expect(cutLimit(grown.estimate, grown.now, grown.now, 120, rules).fellFrom).toBeNull();
  });

  it('a refusal while probing, with the endpoint taking far less than the last good step, is a drop', () => {
    // Probing 196 → 200 after two refused probes; the endpoint now takes 70: the limit fell under the
    // good step. A refused probe would fall back to 70 (above the new limit), keep doubling the hold and
    // forget where it fell from; a drop cuts by β and remembers it.
    const probing = { ...startLimit(200, 0), failedAt: 200, lastGood: 196, failedProbes: 2, probedAt: 0 };
    const cut = cutLimit(probing, 10, 10, 70, rules);
    expect(cut.value).toBeCloseTo(63, 9);
    expect(cut.failedProbes).toBe(0);
    expect(cut.fellFrom).toBe(200);
    expect(holdMs(cut, rules)).toBe(2 * rules.roundMs);
    // Accepting about the good step is still a refused probe.
    expect(cutLimit(probing, 10, 10, 190, rules).failedProbes).toBe(3);
  });

  it('slow start at the ceiling is not probing, however little the ceiling moves', () => {
    // A known limit whose ceiling moves with the late-call slack (1 000, then 1 001, then 1 000 again):
    // following it is not pushing past what is known, so a drop below it is a fall, not an overshoot.
    const up = { ...rules, ceiling: 1_001 };
    const followed = boundRounds(startLimit(1_000, 0), 0, 3, up);
    expect(followed.estimate.value).toBe(1_001);
    const back = boundRounds(followed.estimate, followed.now, 1);
    expect(back.estimate.value).toBe(1_000);
    expect(isProbing(back.estimate, back.now, up)).toBe(false);
    expect(cutLimit(back.estimate, back.now, back.now, 400, up).fellFrom).toBe(1_000);
  });

  it('each probe refused in a row doubles the hold, up to its longest', () => {
    const at = (failedProbes: number, r: LimitRules = rules) =>
      holdMs({ ...startLimit(100, 0), failedProbes }, r);
    expect([0, 1, 2, 3, 4, 9].map((n) => at(n))).toEqual([2_000, 4_000, 8_000, 16_000, 20_000, 20_000]);
    expect(at(9, { ...rules, maxHoldMs: 50_000 })).toBe(50_000);
  });

  it('probes above the target only after enough accepted calls: 1 %, 2 %, 4 %, …', () => {
    const cut = cutLimit(startLimit(200, 0), 0, 0, 200, rules);
    const { estimate, now } = boundRounds(countAccepted(cut, 100), 0, 4);
    const target = 196;
    expect(estimate.value).toBeCloseTo(target, 9);
    const first = boundRounds(estimate, now, 1);
    expect(first.estimate.value).toBeCloseTo(target * 1.01, 9);
    expect(isProbing(first.estimate, first.now, rules)).toBe(true);
    const second = boundRounds(first.estimate, first.now, 1);
    expect(second.estimate.value).toBeCloseTo(target * 1.01 * 1.02, 9);
    const third = boundRounds(second.estimate, second.now, 1);
    expect(third.estimate.value).toBeCloseTo(target * 1.01 * 1.02 * 1.04, 9);
  });

  it('does not probe while another limit probes, nor grow while the endpoint queues', () => {
    const cut = countAccepted(cutLimit(startLimit(200, 0), 0, 0, 200, rules), 500);
    const { estimate, now } = boundRounds(cut, 0, 4);
    expect(boundRounds(estimate, now, 3, { ...rules, mayProbe: false }).estimate.value).toBeCloseTo(196, 9);
    expect(boundRounds(startLimit(100, 0), 0, 3, { ...rules, holdGrowth: true }).estimate.value).toBe(100);
  });

  it('a refused probe falls back to the last step a whole round accepted', () => {
    const cut = countAccepted(cutLimit(startLimit(200, 0), 0, 0, 200, rules), 500);
    const held = boundRounds(cut, 0, 4);
    const probed = boundRounds(held.estimate, held.now, 2);
    const lastGood = probed.estimate.lastGood ?? 0;
    expect(lastGood).toBeCloseTo(196 * 1.01, 9);
    const refused = cutLimit(probed.estimate, probed.now, probed.now, 300, rules);
    expect(refused.value).toBeCloseTo(lastGood, 9);
    expect(refused.failedAt).toBeCloseTo(probed.estimate.value, 9);
    expect(isProbing(refused, probed.now, rules)).toBe(false);
  });

  it('stays within its floor and ceiling whatever happens (property)', () => {
    const event = fc.oneof(
      fc.record({ kind: fc.constant('bound' as const), after: fc.integer({ min: 0, max: 3_000 }) }),
      fc.record({ kind: fc.constant('accepted' as const), count: fc.integer({ min: 0, max: 200 }) }),
      fc.record({
        kind: fc.constant('refused' as const),
        after: fc.integer({ min: 0, max: 3_000 }),
        level: fc.double({ min: 0, max: 5_000, noNaN: true }),
      }),
    );
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1_000, noNaN: true }),
        fc.array(event, { maxLength: 60 }),
        (start, events) => {
          let e = startLimit(start, 0);
          let now = 0;
          for (const ev of events) {
            if (ev.kind === 'accepted') e = countAccepted(e, ev.count);
            else if (ev.kind === 'bound') {
              now += ev.after;
              e = stepLimit(markBound(e), now, rules);
            } else {
              now += ev.after;
              const before = e.value;
              e = cutLimit(e, now, now, ev.level, rules);
              if (e.cutAt === now) expect(e.value).toBeLessThanOrEqual(Math.max(before, rules.floor));
            }
            expect(e.value).toBeGreaterThanOrEqual(rules.floor);
            expect(e.value).toBeLessThanOrEqual(Math.max(rules.ceiling, start));
          }
        },
      ),
    );
  });
});

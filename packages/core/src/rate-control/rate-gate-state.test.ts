import { makeAcquireRequest } from '@thinkbatch/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LeaseReport } from '../ports/rate-gate';
import { parseRateGateSettings } from './rate-gate-settings';
import {
  describeGate,
  gateAcquire,
  gateRelease,
  gateReport,
  RateGateState,
  startGateState,
} from './rate-gate-state';

const T0 = 1_000_000;

const acquire = makeAcquireRequest;

describe('rate gate transitions', () => {
  it('paces by tokens per minute when that is the tighter limit', () => {
    const settings = parseRateGateSettings({
      requestsPerMinute: 600,
      tokensPerMinute: 60_000,
      maxInFlight: 10,
    });
    const { result } = gateAcquire(
      startGateState(settings, T0),
      acquire('a', { want: { requests: 3, slots: 3, tokensPerRequest: 2_000 } }),
      { now: T0, settings },
    );
    // 2,000 tokens a call at 58,800 tokens/min: one call every ~2.04 s, not every ~0.1 s.
    expect(result.spacingMs).toBeCloseTo((2_000 * 60_000) / 58_800, 6);
    expect(result.starts).toHaveLength(3);
  });

  it('hands start times out at most one window ahead, and says when to ask again', () => {
    const settings = parseRateGateSettings({ requestsPerMinute: 60, maxInFlight: 100, leaseRequests: 100 });
    const { result } = gateAcquire(
      startGateState(settings, T0),
      acquire('a', { want: { requests: 100, slots: 100 } }),
      {
        now: T0,
        settings,
      },
    );
    const spacing = 60_000 / (60 * 0.98);
    expect(result.starts).toHaveLength(Math.floor(60_000 / spacing) + 1);
    expect(result.wait?.reason).toBe('requests');
    expect(result.wait?.until).toBeGreaterThan(T0);
  });

  it('takes returned slots back, and shrinks a lease when the allowance fell below what is held', () => {
    const settings = parseRateGateSettings({ requestsPerMinute: null, initialInFlight: 10, windowMs: 1_000 });
    const context = { now: T0, settings };
    let { state, result } = gateAcquire(
      startGateState(settings, T0),
      acquire('a', { want: { requests: 0, slots: 10 } }),
      context,
    );
    expect(result.lease.slots).toBe(10);
    const returned = gateReport(
      state,
      { holder: 'a', leaseId: result.lease.id, inUse: 2, outcomes: [], returnSlots: 5 },
      context,
    );
    expect(returned.result.lease?.slots).toBe(5);
    ({ state } = returned);
    // A crowded refusal with 6 in flight (two more than any accepted call saw): the allowance falls to 5,
    // and the lease shrinks (not below inUse).
    for (let i = 0; i < 5; i += 1) {
      state = gateReport(
        state,
        {
          holder: 'a',
          leaseId: result.lease.id,
          inUse: 4,
          outcomes: [{ kind: 'succeeded', latencyMs: 1, tokens: 1, startedAt: T0, inFlightAtStart: 4 }],
        },
        context,
      ).state;
    }
    const shrunk = gateReport(
      state,
      {
        holder: 'a',
        leaseId: result.lease.id,
        inUse: 4,
        outcomes: [{ kind: 'rate_limited', retryAfterMs: null, startedAt: T0, inFlightAtStart: 6 }],
      },
      context,
    );
    expect(describeGate(shrunk.state, 'k', context).allowance.inFlight).toBe(5);
    expect(shrunk.result.lease?.slots).toBe(5);
    ({ result } = gateAcquire(shrunk.state, acquire('b', { want: { requests: 1, slots: 1 } }), context));
    expect(result.lease.slots).toBe(0);
  });

  it('ignores a report for a lease it does not know, but still counts its outcomes', () => {
    const settings = parseRateGateSettings();
    const report: LeaseReport = {
      holder: 'ghost',
      leaseId: 'ghost#9',
      inUse: 3,
      outcomes: [{ kind: 'failed', startedAt: T0, inFlightAtStart: 1 }],
      returnSlots: 3,
    };
    const { state, result } = gateRelease(startGateState(settings, T0), report, { now: T0, settings });
    expect(result.lease).toBeNull();
    expect(state.counts.failed).toBe(1);
    expect(state.leases).toEqual([]);
  });

  it('keeps known limits and a parseable state through any sequence of round trips (property)', () => {
    const settings = parseRateGateSettings({
      requestsPerMinute: 120,
      maxInFlight: 5,
      windowMs: 1_000,
      leaseRequests: 4,
    });
    const spacing = 60_000 / (120 * 0.98);
    const op = fc.record({
      holder: fc.constantFrom('a', 'b', 'c'),
      kind: fc.constantFrom('acquire', 'report', 'release'),
      after: fc.integer({ min: 0, max: 2_000 }),
      requests: fc.integer({ min: 0, max: 6 }),
      slots: fc.integer({ min: 0, max: 6 }),
      inUse: fc.integer({ min: 0, max: 6 }),
      holdFor: fc.integer({ min: 1, max: 5_000 }),
      outcome: fc.constantFrom('none', 'succeeded', 'rate_limited', 'failed'),
      retryAfterMs: fc.option(fc.integer({ min: 0, max: 3_000 })),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        let state = startGateState(settings, T0);
        let now = T0;
        const leaseOf = new Map<string, string>();
        const starts: number[] = [];
        const pauses: { from: number; until: number }[] = [];
        for (const o of ops) {
          now += o.after;
          const context = { now, settings };
          const outcomes =
            o.outcome === 'none'
              ? []
              : o.outcome === 'rate_limited'
                ? [
                    {
                      kind: 'rate_limited' as const,
                      retryAfterMs: o.retryAfterMs,
                      startedAt: now,
                      inFlightAtStart: 1,
                    },
                  ]
                : o.outcome === 'failed'
                  ? [{ kind: 'failed' as const, startedAt: now, inFlightAtStart: 1 }]
                  : [
                      {
                        kind: 'succeeded' as const,
                        latencyMs: 100,
                        tokens: 10,
                        startedAt: now,
                        inFlightAtStart: 1,
                      },
                    ];
          const report = {
            holder: o.holder,
            leaseId: leaseOf.get(o.holder) ?? null,
            inUse: o.inUse,
            outcomes,
          };
          if (o.kind === 'acquire') {
            const next = gateAcquire(
              state,
              {
                ...report,
                holdUntil: now + o.holdFor,
                startsHeld: 0,
                want: { requests: o.requests, slots: o.slots },
              },
              context,
            );
            state = next.state;
            leaseOf.set(o.holder, next.result.lease.id);
            starts.push(...next.result.starts);
            for (const at of next.result.starts) expect(at).toBeGreaterThanOrEqual(now);
            for (const pause of pauses) {
              for (const at of next.result.starts) expect(at < pause.from || at >= pause.until).toBe(true);
            }
            expect(next.result.starts.length).toBeLessThanOrEqual(Math.min(o.requests, 4));
          } else {
            const next = (o.kind === 'report' ? gateReport : gateRelease)(state, report, context);
            state = next.state;
            if (next.result.pausedUntil !== null) pauses.push({ from: now, until: next.result.pausedUntil });
          }
          // Known limits hold after every step, and the state survives its JSON round trip.
          expect(state.leases.reduce((n, l) => n + l.slots, 0)).toBeLessThanOrEqual(5);
          expect(state.leases.every((l) => l.expiresAt > now && l.inUse <= l.slots)).toBe(true);
          expect(RateGateState.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
        }
        // One schedule for every holder: start times never closer than the spacing of the known rate.
        const sorted = [...starts].sort((x, y) => x - y);
        for (let i = 1; i < sorted.length; i += 1) {
          expect((sorted[i] ?? 0) - (sorted[i - 1] ?? 0)).toBeGreaterThanOrEqual(spacing - 1e-6);
        }
      }),
    );
  });
});

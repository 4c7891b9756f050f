import { createFakeClock, ENDPOINT_LIMIT_FLAG_NAMES, makeAcquireRequest } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { RateGate } from '../ports/rate-gate';
import { parseEndpointLimits } from './endpoint-limits';
import { createInMemoryRateGate } from './in-memory-rate-gate';
import { parseRateGateSettings, type RateGateSettings } from './rate-gate-settings';
import { createRateGates } from './rate-gates';
import { createRatePermits } from './rate-permits';

const FLAGS = ENDPOINT_LIMIT_FLAG_NAMES;

/** Gates built by `createRateGates` over an in-memory store gate that counts its round trips. */
function gatesFor(limits: Partial<RateGateSettings>) {
  const clock = createFakeClock();
  const trips = { count: 0 };
  let inner: RateGate | null = null;
  const gates = createRateGates({
    baseURL: 'http://127.0.0.1:1/v1',
    apiKey: null,
    settings: parseRateGateSettings(limits),
    create: (key, settings) => {
      const gate = createInMemoryRateGate({ key, clock, settings });
      inner = gate;
      const counted =
        <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
        (...args: A): Promise<R> => {
          trips.count += 1;
          return call(...args);
        };
      return {
        key,
        acquire: counted(gate.acquire),
        report: counted(gate.report),
        release: counted(gate.release),
        snapshot: gate.snapshot,
      };
    },
  });
  const gate = gates.forModel('m');
  const permits = createRatePermits({
    gate,
    clock,
    holder: 'h1',
    holdUntil: clock.now() + 900_000,
    longestWaitMs: 600_000,
  });
  return { clock, trips, permits, gate, inner: () => inner };
}

describe('an endpoint without limits (--rpm none --max-in-flight none)', () => {
  it('parses as unlimited only when requests and calls in flight are both none', () => {
    expect(parseEndpointLimits({ requestsPerMinute: 'none', maxInFlight: 'NONE' }, FLAGS)).toEqual({
      requestsPerMinute: null,
      maxInFlight: null,
      tokensPerMinute: null,
      unlimited: true,
    });
    expect(parseEndpointLimits({ requestsPerMinute: 'none' }, FLAGS)).toEqual({ requestsPerMinute: null });
    expect(
      parseEndpointLimits({ requestsPerMinute: 'none', maxInFlight: 'none', tokensPerMinute: '1000' }, FLAGS),
    ).toEqual({ requestsPerMinute: null, maxInFlight: null, tokensPerMinute: 1000 });
  });

  it('grants calls with no round trip to the gate store until a 429, then hands over to it for good', async () => {
    const { trips, permits, gate, inner } = gatesFor(
      parseEndpointLimits({ requestsPerMinute: 'none', maxInFlight: 'none' }, FLAGS),
    );
    const taken = await Promise.all(Array.from({ length: 200 }, () => permits.take()));
    expect(taken.every((d) => d.kind === 'granted')).toBe(true);
    for (const decision of taken.slice(1))
      if (decision.kind === 'granted')
        await decision.permit.finish({ kind: 'succeeded', latencyMs: 1, tokens: 2 });
    expect(trips.count).toBe(0);
    const first = taken[0];
    if (first?.kind !== 'granted') throw new Error('no permit');
    await first.permit.finish({ kind: 'rate_limited', retryAfterMs: null });
    expect(trips.count).toBeGreaterThan(0);
    const snapshot = await inner()?.snapshot();
    expect(snapshot?.counts.rateLimited).toBe(1);
    expect(snapshot?.pausedUntil).not.toBeNull();
    // From now on the store's gate decides: another holder's acquire goes to it, and waits out the pause.
    const before = trips.count;
    const next = await gate.acquire(makeAcquireRequest('h2', { want: { requests: 1, slots: 1 } }));
    expect(trips.count).toBe(before + 1);
    expect(next.pausedUntil).not.toBeNull();
  });

  it('leaves an endpoint with unknown limits (auto) to the store gate from the first call', async () => {
    const { trips, permits } = gatesFor(
      parseEndpointLimits({ requestsPerMinute: 'auto', maxInFlight: 'auto' }, FLAGS),
    );
    const decision = await permits.take();
    expect(decision.kind).toBe('granted');
    expect(trips.count).toBeGreaterThan(0);
  });
});

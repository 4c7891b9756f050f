import { createVirtualClock } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/error-code';
import { type RateGate, RateGateError } from '../ports/rate-gate';
import { createInMemoryRateGate } from './in-memory-rate-gate';
import { createRatePermits } from './rate-permits';

/** A gate whose store is busy (or broken) for the first `failures` round trips of each kind. */
function flakyGate(clock: ReturnType<typeof createVirtualClock>, failures: number, error: () => Error) {
  const gate = createInMemoryRateGate({
    key: 'k',
    clock,
    settings: { requestsPerMinute: 600, maxInFlight: 4, windowMs: 1_000 },
  });
  const left = { acquire: failures, report: failures };
  const trips: number[] = [];
  const flaky: RateGate = {
    key: gate.key,
    acquire: async (request) => {
      trips.push(clock.now());
      if (left.acquire > 0) {
        left.acquire -= 1;
        throw error();
      }
      return gate.acquire(request);
    },
    report: async (report) => {
      if (left.report > 0) {
        left.report -= 1;
        throw error();
      }
      return gate.report(report);
    },
    release: (report) => gate.release(report),
    snapshot: () => gate.snapshot(),
  };
  return { gate: flaky, trips };
}

const busy = () => new RateGateError('still contended', { code: ErrorCode.unavailable });

describe('rate permits on a busy gate store', () => {
  it('asks again after a growing back-off and grants the permit: a contended gate never fails a line', async () => {
    const clock = createVirtualClock();
    const { gate, trips } = flakyGate(clock, 3, busy);
    const permits = createRatePermits({
      gate,
      clock,
      holder: 'w',
      holdUntil: clock.now() + 600_000,
      longestWaitMs: 60_000,
    });
    const taken = permits.take();
    await clock.runUntil(clock.now() + 5_000);
    const decision = await taken;
    expect(decision.kind).toBe('granted');
    if (decision.kind !== 'granted') return;
    // The report after the call finds the store busy too: the outcome is kept, the line is not failed.
    await decision.permit.finish({ kind: 'succeeded', latencyMs: 10, tokens: 1 });
    expect(trips).toHaveLength(4);
    const gaps = trips.slice(1).map((at, i) => at - (trips[i] ?? 0));
    expect(gaps[1]).toBeGreaterThan(gaps[0] ?? 0);
    await permits.close();
    // The outcome reached the gate with the close.
    expect((await gate.snapshot()).counts.succeeded).toBe(1);
  });

  it('fails the take for a store that is broken, not busy', async () => {
    const clock = createVirtualClock();
    const { gate } = flakyGate(clock, 1, () => new RateGateError('access denied'));
    const permits = createRatePermits({
      gate,
      clock,
      holder: 'w',
      holdUntil: clock.now() + 600_000,
      longestWaitMs: 60_000,
    });
    await expect(permits.take()).rejects.toThrow(/access denied/);
  });
});

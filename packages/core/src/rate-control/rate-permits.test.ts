import { createVirtualClock, type VirtualClock } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { RateGate } from '../ports/rate-gate';
import { createInMemoryRateGate } from './in-memory-rate-gate';
import type { RateGateSettings } from './rate-gate-settings';
import { createRatePermits } from './rate-permits';

/** A gate that counts its round trips. */
function countingGate(clock: VirtualClock, settings: Partial<RateGateSettings>) {
  const gate = createInMemoryRateGate({ key: 'k', clock, settings });
  const trips = { acquire: 0, report: 0, release: 0 };
  const counted: RateGate = {
    key: gate.key,
    acquire: (r) => {
      trips.acquire += 1;
      return gate.acquire(r);
    },
    report: (r) => {
      trips.report += 1;
      return gate.report(r);
    },
    release: (r) => {
      trips.release += 1;
      return gate.release(r);
    },
    snapshot: () => gate.snapshot(),
  };
  return { gate: counted, trips };
}

describe('rate permits', () => {
  it('paces calls by the gate and reports them in batches: few round trips per call', async () => {
    const clock = createVirtualClock();
    const { gate, trips } = countingGate(clock, { requestsPerMinute: 600, maxInFlight: 16, windowMs: 1_000 });
    const permits = createRatePermits({
      gate,
      clock,
      holder: 'w',
      holdUntil: clock.now() + 600_000,
      longestWaitMs: 60_000,
    });
    const starts: number[] = [];
    const line = async () => {
      for (let i = 0; i < 10; i += 1) {
        const decision = await permits.take();
        if (decision.kind !== 'granted') throw new Error('expected a permit');
        starts.push(clock.now());
        await clock.sleep(300);
        await decision.permit.finish({ kind: 'succeeded', latencyMs: 300, tokens: 10 });
      }
    };
    const done = Promise.all(Array.from({ length: 8 }, line)).then(() => permits.close());
    await clock.runUntil(clock.now() + 60_000);
    await done;
    expect(starts).toHaveLength(80);
    const sorted = [...starts].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i += 1) {
      expect((sorted[i] ?? 0) - (sorted[i - 1] ?? 0)).toBeGreaterThanOrEqual(60_000 / 588 - 0.01);
    }
    expect(trips.acquire + trips.report).toBeLessThanOrEqual(80 / 4);
    expect(trips.release).toBe(1);
    const snapshot = await gate.snapshot();
    expect(snapshot.counts.succeeded).toBe(80);
    expect(snapshot.leases).toBe(0);
  });

  it('reports its first answer at once: a known concurrency limit gets its pace from the first latency, not a window later', async () => {
    const clock = createVirtualClock();
    const { gate } = countingGate(clock, { requestsPerMinute: null, maxInFlight: 8, windowMs: 1_000 });
    const permits = createRatePermits({
      gate,
      clock,
      holder: 'w',
      holdUntil: clock.now() + 600_000,
      longestWaitMs: 60_000,
    });
    const started = clock.now();
    const line = async () => {
      const decision = await permits.take();
      if (decision.kind !== 'granted') throw new Error('expected a permit');
      await clock.sleep(340);
      await decision.permit.finish({ kind: 'succeeded', latencyMs: 340, tokens: 10 });
    };
    const done = Promise.all(Array.from({ length: 8 }, line));
    // 8 starts per 1 s window at first, so the holder holds starts for the next second and has no
    // reason to ask the gate; its first answer (at 340 ms) sets the pace at once.
    await clock.runUntil(started + 341);
    expect((await gate.snapshot()).allowance.requestsPerMinute).toBeCloseTo((2 * 8 * 60_000) / 340, 6);
    await clock.runUntil(started + 5_000);
    await done;
    await permits.close();
  });

  it('hands a slot back as soon as its call ends and none of its lines waits (its lines are running out)', async () => {
    const clock = createVirtualClock();
    const { gate } = countingGate(clock, { requestsPerMinute: 60_000, maxInFlight: 4, windowMs: 1_000 });
    const permits = createRatePermits({
      gate,
      clock,
      holder: 'a',
      holdUntil: clock.now() + 600_000,
      longestWaitMs: 60_000,
    });
    const taking = Promise.all(Array.from({ length: 4 }, () => permits.take()));
    await clock.runUntil(clock.now() + 100);
    const held = (await taking).map((decision) => {
      if (decision.kind !== 'granted') throw new Error('expected a permit');
      return decision.permit;
    });
    expect((await gate.snapshot()).inFlight.leased).toBe(4);
    // The last lines are in call; the first ends: its slot goes back to the gate for other holders.
    await held[0]?.finish({ kind: 'succeeded', latencyMs: 300, tokens: 10 });
    expect((await gate.snapshot()).inFlight).toMatchObject({ leased: 3, inUse: 3 });
    await held[1]?.finish({ kind: 'succeeded', latencyMs: 300, tokens: 10 });
    expect((await gate.snapshot()).inFlight).toMatchObject({ leased: 2, inUse: 2 });
    for (const permit of held.slice(2))
      await permit.finish({ kind: 'succeeded', latencyMs: 300, tokens: 10 });
    await permits.close();
  });

  it('gives up after the longest wait, with the reason, and hands back nothing it did not take', async () => {
    const clock = createVirtualClock();
    const gate = createInMemoryRateGate({
      key: 'k',
      clock,
      settings: { maxInFlight: 1, requestsPerMinute: 6_000 },
    });
    const holdUntil = clock.now() + 600_000;
    const hog = createRatePermits({ gate, clock, holder: 'hog', holdUntil, longestWaitMs: 1_000 });
    const starved = createRatePermits({ gate, clock, holder: 'starved', holdUntil, longestWaitMs: 5_000 });
    const held = await hog.take();
    expect(held.kind).toBe('granted');
    const decision = starved.take();
    await clock.runUntil(clock.now() + 10_000);
    expect(await decision).toEqual({
      kind: 'rate_limited',
      waitedMs: 5_000,
      reason: 'in_flight',
      until: null,
    });
  });

  it('a holder short of slots backs off no longer than maxBackoffMs: slots freed elsewhere are found soon', async () => {
    const clock = createVirtualClock();
    const gate = createInMemoryRateGate({
      key: 'k',
      clock,
      settings: { maxInFlight: 1, requestsPerMinute: 6_000, windowMs: 1_000 },
    });
    const holdUntil = clock.now() + 600_000;
    const hog = createRatePermits({ gate, clock, holder: 'hog', holdUntil, longestWaitMs: 600_000 });
    const other = createRatePermits({
      gate,
      clock,
      holder: 'other',
      holdUntil,
      longestWaitMs: 600_000,
      maxBackoffMs: 1_000,
    });
    const held = await hog.take();
    if (held.kind !== 'granted') throw new Error('expected a permit');
    const waiting = other.take();
    // Long enough for the back-off to have doubled far past a second (the gate suggests a window).
    await clock.runUntil(clock.now() + 100_000);
    await held.permit.finish({ kind: 'succeeded', latencyMs: 100_000, tokens: null });
    await hog.close();
    const freedAt = clock.now();
    await clock.runUntil(freedAt + 60_000);
    const decision = await waiting;
    expect(decision.kind).toBe('granted');
    expect(decision.waitedMs).toBeLessThanOrEqual(100_000 + 1_000);
  });

  it('stops waiting at an earlier deadline, and rejects when its signal aborts', async () => {
    const clock = createVirtualClock();
    const gate = createInMemoryRateGate({
      key: 'k',
      clock,
      settings: { maxInFlight: 1, requestsPerMinute: 6_000 },
    });
    const holdUntil = clock.now() + 600_000;
    const hog = createRatePermits({ gate, clock, holder: 'hog', holdUntil, longestWaitMs: 1_000 });
    const other = createRatePermits({ gate, clock, holder: 'other', holdUntil, longestWaitMs: 60_000 });
    await hog.take();
    const early = other.take({ deadline: clock.now() + 2_000 });
    const controller = new AbortController();
    const aborted = other.take({ signal: controller.signal });
    const abortedResult = aborted.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    controller.abort(new Error('cancelled'));
    await clock.runUntil(clock.now() + 10_000);
    expect(await early).toMatchObject({ kind: 'rate_limited', waitedMs: 2_000 });
    expect(String(await abortedResult)).toMatch(/cancelled/);
  });

  it("a 429 one holder meets pauses another holder's next call for its Retry-After", async () => {
    const clock = createVirtualClock();
    const gate = createInMemoryRateGate({
      key: 'k',
      clock,
      settings: { requestsPerMinute: 6_000, maxInFlight: 8 },
    });
    const holdUntil = clock.now() + 600_000;
    const a = createRatePermits({ gate, clock, holder: 'a', holdUntil, longestWaitMs: 60_000 });
    const b = createRatePermits({ gate, clock, holder: 'b', holdUntil, longestWaitMs: 60_000 });
    const refusedAt = clock.now();
    const first = await a.take();
    if (first.kind !== 'granted') throw new Error('expected a permit');
    await first.permit.finish({ kind: 'rate_limited', retryAfterMs: 7_000 });
    let startedAt = 0;
    const next = b.take().then((d) => {
      startedAt = clock.now();
      return d;
    });
    await clock.runUntil(clock.now() + 20_000);
    expect((await next).kind).toBe('granted');
    expect(startedAt).toBeGreaterThanOrEqual(refusedAt + 7_000);
  });

  it('finishes a permit only once', async () => {
    const clock = createVirtualClock();
    const gate = createInMemoryRateGate({ key: 'k', clock, settings: { requestsPerMinute: 6_000 } });
    const permits = createRatePermits({
      gate,
      clock,
      holder: 'w',
      holdUntil: clock.now() + 60_000,
      longestWaitMs: 1_000,
    });
    const decision = await permits.take();
    if (decision.kind !== 'granted') throw new Error('expected a permit');
    await decision.permit.finish({ kind: 'failed' });
    await expect(decision.permit.finish({ kind: 'failed' })).rejects.toThrow(/once/);
    expect((await gate.snapshot()).counts.failed).toBe(1);
  });

  it("answers at once, with the end of the pause, when a 429 paused the gate past the take's limit", async () => {
    const clock = createVirtualClock();
    const gate = createInMemoryRateGate({ key: 'k', clock, settings: { requestsPerMinute: 6_000 } });
    const permits = createRatePermits({
      gate,
      clock,
      holder: 'w',
      holdUntil: clock.now() + 600_000,
      longestWaitMs: 600_000,
    });
    const first = await permits.take();
    if (first.kind !== 'granted') throw new Error('expected a permit');
    const refusedAt = clock.now();
    await first.permit.finish({ kind: 'rate_limited', retryAfterMs: 60_000 });
    const decision = await permits.take({ deadline: clock.now() + 20_000 });
    expect(decision).toEqual({
      kind: 'rate_limited',
      waitedMs: 0,
      reason: 'paused',
      until: refusedAt + 60_000,
    });
    expect(clock.now()).toBe(refusedAt);
  });

  it('takes a cancelled permit back unused: its slot serves the next call, the gate counts no outcome', async () => {
    const clock = createVirtualClock();
    const gate = createInMemoryRateGate({
      key: 'k',
      clock,
      settings: { requestsPerMinute: 6_000, maxInFlight: 1 },
    });
    const permits = createRatePermits({
      gate,
      clock,
      holder: 'w',
      holdUntil: clock.now() + 600_000,
      longestWaitMs: 1_000,
    });
    const first = await permits.take();
    if (first.kind !== 'granted') throw new Error('expected a permit');
    await first.permit.cancel();
    await expect(first.permit.finish({ kind: 'failed' })).rejects.toThrow(/once/);
    const second = permits.take();
    await clock.runUntil(clock.now() + 1_000);
    const decision = await second;
    if (decision.kind !== 'granted') throw new Error('expected a permit for the freed slot');
    await decision.permit.finish({ kind: 'succeeded', latencyMs: 10, tokens: 5 });
    const { counts } = await gate.snapshot();
    expect(counts).toMatchObject({ succeeded: 1, failed: 0, rateLimited: 0 });
  });
});

import { createManualClock } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { resolveLimitPhases } from './limits/limit-schedule';
import { createLoadRecorder } from './load-stats';

const NO_LIMITS = { requestsPerMinute: null, tokensPerMinute: null, maxConcurrency: null };

describe('createLoadRecorder', () => {
  it('finds the busiest sliding window even when it straddles two buckets', () => {
    const clock = createManualClock(50_000);
    const load = createLoadRecorder({ now: clock.now, windowMs: 1000, phases: [{ atMs: 0, ...NO_LIMITS }] });
    clock.advance(900);
    for (let i = 0; i < 3; i += 1) load.offered(10);
    load.admitted(10);
    clock.advance(200); // 1100: a new bucket, but the same window as the three at 900
    for (let i = 0; i < 3; i += 1) load.offered(20);
    load.admitted(20);
    load.rateLimited('rpm');
    load.succeeded();
    const stats = load.snapshot();
    expect(stats.peaks).toEqual({
      offeredRequests: 6,
      offeredTokens: 90,
      admittedRequests: 2,
      admittedTokens: 30,
    });
    expect(stats.elapsedMs).toBe(1100);
    expect(stats.timeline).toEqual([
      {
        atMs: 0,
        offered: 3,
        offeredTokens: 30,
        admitted: 1,
        admittedTokens: 10,
        rateLimited: { concurrency: 0, rpm: 0, tpm: 0 },
        succeeded: 0,
      },
      {
        atMs: 1000,
        offered: 3,
        offeredTokens: 60,
        admitted: 1,
        admittedTokens: 20,
        rateLimited: { concurrency: 0, rpm: 1, tpm: 0 },
        succeeded: 1,
      },
    ]);
  });

  it('keeps peaks per limit phase and leaves quiet stretches out of the timeline', () => {
    const clock = createManualClock(0);
    const phases = resolveLimitPhases({ ...NO_LIMITS, requestsPerMinute: 4 }, [
      { atMs: 5000, requestsPerMinute: 2 },
    ]);
    const load = createLoadRecorder({ now: clock.now, windowMs: 1000, phases });
    for (let i = 0; i < 4; i += 1) load.offered(1);
    clock.advance(9000);
    load.offered(1);
    const stats = load.snapshot();
    expect(
      stats.phases.map((phase) => [phase.atMs, phase.requestsPerMinute, phase.peaks.offeredRequests]),
    ).toEqual([
      [0, 4, 4],
      [5000, 2, 1],
    ]);
    expect(stats.timeline.map((bucket) => [bucket.atMs, bucket.offered])).toEqual([
      [0, 4],
      [9000, 1],
    ]);
  });
});

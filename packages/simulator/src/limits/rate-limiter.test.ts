import { createManualClock } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { EndpointLimits } from './limit-schedule';
import { CONCURRENCY_RETRY_AFTER_MS, createRateLimiter } from './rate-limiter';

const UNLIMITED: EndpointLimits = { requestsPerMinute: null, tokensPerMinute: null, maxConcurrency: null };

/** A limiter with constant limits over a window of `windowMs`, on a clock the test moves. */
function limiterWith(limits: Partial<EndpointLimits>, windowMs = 1000, start = 0) {
  const clock = createManualClock(start);
  const constant = { ...UNLIMITED, ...limits };
  const limiter = createRateLimiter({ windowMs, limitsAt: () => constant, now: clock.now });
  return { clock, limiter };
}

describe('createRateLimiter', () => {
  it('refuses beyond maxConcurrency until a slot is released, and tracks the peak', () => {
    const { limiter } = limiterWith({ maxConcurrency: 2 });
    const a = limiter.tryAdmit();
    const b = limiter.tryAdmit();
    expect(a.admitted && b.admitted).toBe(true);
    expect(limiter.tryAdmit()).toEqual({
      admitted: false,
      reason: 'concurrency',
      limit: 2,
      used: 2,
      requested: 1,
      retryAfterMs: CONCURRENCY_RETRY_AFTER_MS,
    });
    if (a.admitted) {
      a.release();
      a.release(); // idempotent: must not free a second slot
    }
    expect(limiter.inFlight).toBe(1);
    expect(limiter.tryAdmit().admitted).toBe(true);
    expect(limiter.tryAdmit().admitted).toBe(false);
    expect(limiter.maxInFlight).toBe(2);
  });

  it('tells a concurrency refusal when the earliest request in flight expects to finish', () => {
    const { clock, limiter } = limiterWith({ maxConcurrency: 2 });
    const a = limiter.tryAdmit();
    const b = limiter.tryAdmit();
    if (!a.admitted || !b.admitted) throw new Error('both should be admitted');
    a.expectReleaseAt(clock.now() + 900);
    b.expectReleaseAt(clock.now() + 300);
    clock.advance(100);
    expect(limiter.tryAdmit()).toMatchObject({ reason: 'concurrency', retryAfterMs: 200 });
  });

  it('slides the request window and says when the oldest request leaves it', () => {
    const { clock, limiter } = limiterWith({ requestsPerMinute: 2 }, 1000, 10_000);
    const first = limiter.tryAdmit();
    clock.advance(400);
    limiter.tryAdmit();
    if (first.admitted) first.release(); // releasing does not free window capacity
    clock.advance(100);
    expect(limiter.tryAdmit()).toEqual({
      admitted: false,
      reason: 'rpm',
      limit: 2,
      used: 2,
      requested: 1,
      retryAfterMs: 500,
    });
    clock.advance(499);
    expect(limiter.tryAdmit().admitted).toBe(false);
    clock.advance(1); // the first request is now exactly windowMs old
    expect(limiter.tryAdmit().admitted).toBe(true);
    expect(limiter.tryAdmit()).toMatchObject({ admitted: false, reason: 'rpm', retryAfterMs: 400 });
  });

  it('does not count refused requests toward the window', () => {
    const { clock, limiter } = limiterWith({ requestsPerMinute: 1 }, 100);
    limiter.tryAdmit();
    for (let i = 0; i < 5; i += 1) expect(limiter.tryAdmit().admitted).toBe(false);
    clock.advance(100);
    expect(limiter.tryAdmit().admitted).toBe(true);
  });

  it('charges tokens against tokensPerMinute and says when enough of them have slid out', () => {
    const { clock, limiter } = limiterWith({ tokensPerMinute: 1000 });
    expect(limiter.tryAdmit(600).admitted).toBe(true);
    clock.advance(200);
    expect(limiter.tryAdmit(300).admitted).toBe(true);
    clock.advance(100);
    // 900 held: 200 more do not fit until the 600 leave (at 1000 ms), 100 more still do.
    expect(limiter.tryAdmit(200)).toEqual({
      admitted: false,
      reason: 'tpm',
      limit: 1000,
      used: 900,
      requested: 200,
      retryAfterMs: 700,
    });
    expect(limiter.tryAdmit(100).admitted).toBe(true);
    // Now 1000 held: 950 more need all of it gone, the last 100 leaving at 1300 ms.
    expect(limiter.tryAdmit(950)).toMatchObject({ reason: 'tpm', retryAfterMs: 1000 });
    clock.advance(700);
    expect(limiter.tryAdmit(200).admitted).toBe(true);
  });

  it('refuses for good a request that alone needs more tokens than the limit', () => {
    const { limiter } = limiterWith({ tokensPerMinute: 1000 });
    expect(limiter.tryAdmit(1001)).toMatchObject({ admitted: false, reason: 'tpm', retryAfterMs: null });
  });

  it('names the first refusing limit but hints the wait until all of them admit', () => {
    const { clock, limiter } = limiterWith({ requestsPerMinute: 2, tokensPerMinute: 1000 });
    limiter.tryAdmit(800);
    clock.advance(300);
    limiter.tryAdmit(100);
    clock.advance(100);
    // Requests free up at 1000 ms (600 from now); 500 tokens only once the 800 leave (also 600) …
    expect(limiter.tryAdmit(500)).toMatchObject({ reason: 'rpm', retryAfterMs: 600 });
    // … but 950 tokens need the 100 gone too: 900 from now.
    expect(limiter.tryAdmit(950)).toMatchObject({ reason: 'rpm', retryAfterMs: 900 });
  });

  it('follows limits that change over time, refusing until the window is under a lowered limit', () => {
    const clock = createManualClock(0);
    const limitsAt = (at: number): EndpointLimits => ({
      ...UNLIMITED,
      requestsPerMinute: at < 1000 ? 4 : at < 2000 ? 2 : 4,
      maxConcurrency: at < 2000 ? null : 1,
    });
    const limiter = createRateLimiter({ windowMs: 1000, limitsAt, now: clock.now });
    const admit = () => limiter.tryAdmit().admitted;
    clock.advance(900);
    expect([admit(), admit(), admit(), admit(), admit()]).toEqual([true, true, true, true, false]);
    clock.advance(200); // 1100: the limit is 2 and the window still holds 4, all leaving at 1900
    expect(limiter.tryAdmit()).toMatchObject({ reason: 'rpm', limit: 2, used: 4, retryAfterMs: 800 });
    clock.advance(800);
    expect([admit(), admit(), admit()]).toEqual([true, true, false]);
    clock.advance(1000); // 2900: 4 per window again, but one call at a time, and 6 are still in flight
    expect(limiter.tryAdmit()).toMatchObject({ reason: 'concurrency', limit: 1, used: 6 });
  });
});

import { describe, expect, it } from 'vitest';
import { createManualClock } from '../testing/manual-clock';
import { CONCURRENCY_RETRY_AFTER_MS, createRateLimiter } from './rate-limiter';

/** A limiter with only a request window, on a clock the test moves. */
function windowLimiter(requestsPerWindow: number, windowMs: number, start: number) {
  const clock = createManualClock(start);
  const limiter = createRateLimiter({ maxConcurrency: null, requestsPerWindow, windowMs, now: clock.now });
  return { clock, limiter };
}

describe('createRateLimiter', () => {
  it('refuses beyond maxConcurrency until a slot is released, and tracks the peak', () => {
    const limiter = createRateLimiter({ maxConcurrency: 2, requestsPerWindow: null, windowMs: 1000 });
    const a = limiter.tryAdmit();
    const b = limiter.tryAdmit();
    expect(a.admitted && b.admitted).toBe(true);
    expect(limiter.tryAdmit()).toEqual({
      admitted: false,
      reason: 'concurrency',
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

  it('slides the request window and says when the oldest request leaves it', () => {
    const { clock, limiter } = windowLimiter(2, 1000, 10_000);
    const first = limiter.tryAdmit();
    clock.advance(400);
    limiter.tryAdmit();
    if (first.admitted) first.release(); // releasing does not free window capacity
    clock.advance(100);
    expect(limiter.tryAdmit()).toEqual({ admitted: false, reason: 'rpm', retryAfterMs: 500 });
    clock.advance(499);
    expect(limiter.tryAdmit().admitted).toBe(false);
    clock.advance(1); // the first request is now exactly windowMs old
    expect(limiter.tryAdmit().admitted).toBe(true);
    expect(limiter.tryAdmit()).toMatchObject({ admitted: false, reason: 'rpm', retryAfterMs: 400 });
  });

  it('does not count refused requests toward the window', () => {
    const { clock, limiter } = windowLimiter(1, 100, 0);
    limiter.tryAdmit();
    for (let i = 0; i < 5; i += 1) expect(limiter.tryAdmit().admitted).toBe(false);
    clock.advance(100);
    expect(limiter.tryAdmit().admitted).toBe(true);
  });
});

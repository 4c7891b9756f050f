import { describe, expect, it } from 'vitest';
import { CONCURRENCY_RETRY_AFTER_MS, createRateLimiter } from './rate-limiter';

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
    let now = 10_000;
    const limiter = createRateLimiter({
      maxConcurrency: null,
      requestsPerWindow: 2,
      windowMs: 1000,
      now: () => now,
    });
    const first = limiter.tryAdmit();
    now += 400;
    limiter.tryAdmit();
    if (first.admitted) first.release(); // releasing does not free window capacity
    now += 100;
    expect(limiter.tryAdmit()).toEqual({ admitted: false, reason: 'rpm', retryAfterMs: 500 });
    now += 499;
    expect(limiter.tryAdmit().admitted).toBe(false);
    now += 1; // the first request is now exactly windowMs old
    expect(limiter.tryAdmit().admitted).toBe(true);
    expect(limiter.tryAdmit()).toMatchObject({ admitted: false, reason: 'rpm', retryAfterMs: 400 });
  });

  it('does not count refused requests toward the window', () => {
    let now = 0;
    const limiter = createRateLimiter({
      maxConcurrency: null,
      requestsPerWindow: 1,
      windowMs: 100,
      now: () => now,
    });
    limiter.tryAdmit();
    for (let i = 0; i < 5; i += 1) expect(limiter.tryAdmit().admitted).toBe(false);
    now = 100;
    expect(limiter.tryAdmit().admitted).toBe(true);
  });
});

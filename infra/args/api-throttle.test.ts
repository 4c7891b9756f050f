import { describe, expect, it } from 'vitest';
import { parseRateLimit } from '../../packages/api/src/api-access-env';
import { READ_TOKEN_NONE } from '../../packages/functions/src/api';
import { API_READ_TOKEN_NONE, API_THROTTLE } from './api';

/**
 * AWS's documented numbers, written out on purpose (not taken from the code under test): an account's
 * default concurrency is 1,000, of which 100 must stay unreserved.
 */
const AWS = { accountConcurrency: 1_000, unreservedMinimum: 100 } as const;

/** What the API should allow one token at most, across every instance (requests per minute). */
const PER_TOKEN_PER_MINUTE_MAX = 2_000;

describe('the API is throttled on AWS', () => {
  it('reserves a small concurrency for the API, which Lambda enforces with 429 before any code runs', () => {
    const reserved = API_THROTTLE.reservedConcurrency;
    expect(Number.isInteger(reserved)).toBe(true);
    expect(reserved).toBeGreaterThanOrEqual(2); // 1 would serialise the dashboard's parallel reads
    expect(reserved).toBeLessThanOrEqual(AWS.accountConcurrency - AWS.unreservedMinimum);
    // Small next to the workers' share of the account: the API cannot starve the pipeline.
    expect(reserved).toBeLessThanOrEqual(50);
  });

  it('limits each token per instance so that all instances together stay under the per-token bound', () => {
    const limit = parseRateLimit(API_THROTTLE.environment.THINKBATCH_API_RATE_LIMIT);
    expect(limit).not.toBeNull();
    const perMinute = ((limit?.requests ?? Number.POSITIVE_INFINITY) * 60) / (limit?.windowSeconds ?? 1);
    expect(perMinute * API_THROTTLE.reservedConcurrency).toBeLessThanOrEqual(PER_TOKEN_PER_MINUTE_MAX);
    // Still enough for one dashboard polling a few requests a second in one instance.
    expect(perMinute).toBeGreaterThanOrEqual(60);
  });
});

describe('the read-only token on AWS', () => {
  it('is unset by the placeholder the handler reads as "none"', () => {
    expect(API_READ_TOKEN_NONE).toBe(READ_TOKEN_NONE);
  });
});

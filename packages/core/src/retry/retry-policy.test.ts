import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, ThinkbatchError } from '../errors/thinkbatch-error';
import type { ModelCallFailure } from '../ports/model-client';
import {
  type AttemptFailure,
  classifyFailure,
  type DecideRetryArgs,
  decideRetry,
  parseRetryPolicyOptions,
} from './retry-policy';

const half = (): number => 0.5;

function http(status: number, retryAfterMs: number | null = null): AttemptFailure {
  return { type: 'http_error', status, message: 'server said no', retryAfterMs, requestId: null };
}
const timeout: AttemptFailure = { type: 'timeout', message: 'no answer in 600000 ms' };

function decide(overrides: Partial<DecideRetryArgs> = {}): ReturnType<typeof decideRetry> {
  return decideRetry({ failure: http(503), attempt: 1, now: 0, deadline: null, random: half, ...overrides });
}

describe('classifyFailure', () => {
  it.each([408, 409, 425, 429, 500, 502, 503, 504, 599])('HTTP %i is retryable', (status) => {
    expect(classifyFailure(http(status, 1500))).toEqual({
      kind: 'retryable',
      reason: `HTTP ${status}: server said no`,
      retryAfterMs: 1500,
    });
  });

  it.each([400, 401, 403, 404, 413, 422, 302, 600])('HTTP %i is permanent', (status) => {
    expect(classifyFailure(http(status))).toEqual({
      kind: 'permanent',
      reason: `HTTP ${status}: server said no`,
    });
  });

  it('retries timeouts, connection errors and unusable 200 bodies; an abort is permanent', () => {
    const failures: ModelCallFailure[] = [
      timeout,
      { type: 'connection_error', message: 'ECONNRESET' },
      { type: 'invalid_response', message: 'not JSON', requestId: 'r1' },
    ];
    for (const failure of failures) {
      expect(classifyFailure(failure)).toMatchObject({ kind: 'retryable', retryAfterMs: null });
    }
    expect(classifyFailure({ type: 'aborted', message: 'cancelled' })).toEqual({
      kind: 'permanent',
      reason: 'aborted: cancelled',
    });
  });
});

describe('parseRetryPolicyOptions', () => {
  it('fills documented defaults', () => {
    expect(parseRetryPolicyOptions()).toEqual({
      maxAttempts: 5,
      baseDelayMs: 1000,
      maxDelayMs: 60_000,
      retryAfterCapMs: 120_000,
    });
  });

  it('rejects unusable values and unknown keys with a ConfigurationError', () => {
    expect(() => parseRetryPolicyOptions({ maxAttempts: 0 })).toThrow(ConfigurationError);
    expect(() => parseRetryPolicyOptions({ baseDelayMs: -1 })).toThrow(
      /invalid retry policy options:\n[\s\S]*→ at baseDelayMs/,
    );
    expect(() => parseRetryPolicyOptions({ maxDelay: 5 })).toThrow(ConfigurationError);
    expect(() => decide({ options: { maxDelayMs: 1.5 } })).toThrow(/maxDelayMs/);
  });
});

describe('decideRetry', () => {
  it('backs off with full jitter: doubling from base, capped at maxDelayMs', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((attempt) =>
      decide({ attempt, options: { maxAttempts: 10 } }),
    );
    expect(delays.map((d) => (d.kind === 'retry' ? d.delayMs : d.kind))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });

  it('spans the whole jitter range with the random source', () => {
    expect(decide({ attempt: 3, random: () => 0 })).toEqual({ kind: 'retry', delayMs: 0 });
    expect(decide({ attempt: 3, random: () => 0.999999 })).toEqual({ kind: 'retry', delayMs: 3999 });
    expect(() => decide({ random: () => 1 })).toThrow(ThinkbatchError);
  });

  it('honours Retry-After as a floor and caps it at retryAfterCapMs', () => {
    expect(decide({ failure: http(429, 7_000) })).toEqual({ kind: 'retry', delayMs: 7_000 });
    expect(decide({ failure: http(429, 100), attempt: 2 })).toEqual({ kind: 'retry', delayMs: 1_000 });
    expect(decide({ failure: http(429, 1_000_000) })).toEqual({ kind: 'retry', delayMs: 120_000 });
    expect(decide({ failure: http(429, 1_000_000), options: { retryAfterCapMs: 5_000 } })).toEqual({
      kind: 'retry',
      delayMs: 5_000,
    });
    expect(decide({ failure: http(429, 1234.2) })).toEqual({ kind: 'retry', delayMs: 1235 });
  });

  it('gives up when the wait would reach the deadline', () => {
    expect(decide({ now: 1_000, deadline: 1_501 })).toEqual({ kind: 'retry', delayMs: 500 });
    expect(decide({ now: 1_000, deadline: 1_500 })).toEqual({
      kind: 'give_up',
      code: 'deadline_exceeded',
      reason: 'a retry in 500 ms would reach the deadline (500 ms left); last: HTTP 503: server said no',
    });
    expect(decide({ failure: http(429, 60_000), now: 0, deadline: 30_000 })).toMatchObject({
      code: 'deadline_exceeded',
    });
    expect(decide({ now: 5_000, deadline: 1_000 })).toMatchObject({ code: 'deadline_exceeded' });
  });

  it('gives up after maxAttempts, as invalid_response when that was the last failure', () => {
    expect(decide({ attempt: 4 })).toMatchObject({ kind: 'retry' });
    expect(decide({ attempt: 5 })).toEqual({
      kind: 'give_up',
      code: 'attempts_exhausted',
      reason: '5 of 5 attempts made; last: HTTP 503: server said no',
    });
    const invalid: AttemptFailure = { type: 'invalid_response', message: 'truncated JSON', requestId: null };
    expect(decide({ failure: invalid, attempt: 2, options: { maxAttempts: 2 } })).toMatchObject({
      code: 'invalid_response',
    });
    expect(decide({ failure: timeout, options: { maxAttempts: 1 } })).toMatchObject({
      code: 'attempts_exhausted',
    });
  });

  it('gives up at once on a permanent failure', () => {
    expect(decide({ failure: http(401) })).toEqual({
      kind: 'give_up',
      code: 'endpoint_rejected',
      reason: 'HTTP 401: server said no',
    });
  });

  it('throws on an attempt number that is not a positive integer (a caller bug)', () => {
    expect(() => decide({ attempt: 0 })).toThrow(/attempt must be a positive integer, got 0/);
  });

  it('property: a retry waits within [0, max(maxDelayMs, retryAfterCapMs)] and never reaches the deadline', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: null }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.integer({ min: 0, max: 2_000_000_000_000 }),
        fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: null }),
        (attempt, retryAfter, r, baseDelayMs, maxDelayMs, retryAfterCapMs, now, deadlineIn) => {
          const options = { maxAttempts: 1000, baseDelayMs, maxDelayMs, retryAfterCapMs };
          const deadline = deadlineIn === null ? null : now + deadlineIn;
          const decision = decideRetry({
            failure: http(429, retryAfter),
            attempt,
            now,
            deadline,
            options,
            random: () => r,
          });
          if (decision.kind === 'give_up') {
            expect(decision.code).toBe('deadline_exceeded');
            return;
          }
          expect(Number.isInteger(decision.delayMs)).toBe(true);
          expect(decision.delayMs).toBeGreaterThanOrEqual(0);
          const cap = retryAfter === null ? maxDelayMs : Math.max(maxDelayMs, retryAfterCapMs);
          expect(decision.delayMs).toBeLessThanOrEqual(cap);
          if (deadline !== null) expect(now + decision.delayMs).toBeLessThan(deadline);
          if (retryAfter !== null)
            expect(decision.delayMs).toBeGreaterThanOrEqual(Math.min(retryAfter, retryAfterCapMs));
        },
      ),
    );
  });
});

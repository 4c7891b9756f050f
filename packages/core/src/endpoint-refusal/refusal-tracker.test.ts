import { describe, expect, it } from 'vitest';
import type { ModelCallResult } from '../ports/model-client';
import { createRefusalTracker, ENDPOINT_REFUSED } from './refusal-tracker';

const refused = (status: number, message = 'no'): ModelCallResult => ({
  kind: 'failed',
  latencyMs: 1,
  failure: { type: 'http_error', status, message, retryAfterMs: null, requestId: null },
});
const completed: ModelCallResult = {
  kind: 'completed',
  requestId: null,
  latencyMs: 1,
  completion: { id: 'c', model: 'm', choices: [] } as never,
};
const failedWith = (type: 'timeout' | 'connection_error'): ModelCallResult => ({
  kind: 'failed',
  latencyMs: 1,
  failure: { type, message: type },
});

describe('createRefusalTracker', () => {
  it('trips once, on the limit-th identical 401 in a row, with a message saying what to set', () => {
    const tracker = createRefusalTracker(3);
    expect(tracker.observe(refused(401), 'm')).toBeNull();
    expect(tracker.observe(refused(401), 'm')).toBeNull();
    const error = tracker.observe(refused(401, 'Incorrect API key provided: wr***ey.'), 'm');
    expect(error?.code).toBe(ENDPOINT_REFUSED);
    expect(error?.message).toMatch(
      /^the endpoint refused the API key \(HTTP 401 on 3 calls in a row, none accepted: Incorrect API key/,
    );
    expect(error?.message).toContain('NVIDIA_API_KEY or --api-key');
    expect(tracker.observe(refused(401), 'm')).toBeNull();
  });

  it('starts again after a success, or a different refusal', () => {
    const tracker = createRefusalTracker(2);
    expect(tracker.observe(refused(401), 'm')).toBeNull();
    expect(tracker.observe(completed, 'm')).toBeNull();
    expect(tracker.observe(refused(401), 'm')).toBeNull();
    expect(tracker.observe(refused(403), 'm')).toBeNull();
    expect(tracker.observe(refused(403), 'm')?.message).toMatch(/^the endpoint refused access \(HTTP 403/);
  });

  it('counts 404s per model, and names the model', () => {
    const tracker = createRefusalTracker(2);
    expect(tracker.observe(refused(404), 'good/model')).toBeNull();
    expect(tracker.observe(refused(404), 'no/such-model')).toBeNull();
    expect(tracker.observe(refused(404), 'no/such-model')?.message).toMatch(
      /^the endpoint does not know model "no\/such-model" or the URL \(HTTP 404/,
    );
  });

  it('ignores what a retry or another line may change: 400, 429, 5xx, timeouts, connection errors', () => {
    const tracker = createRefusalTracker(2);
    expect(tracker.observe(refused(401), 'm')).toBeNull();
    for (const other of [
      refused(400),
      refused(429),
      refused(500),
      failedWith('timeout'),
      failedWith('connection_error'),
    ])
      expect(tracker.observe(other, 'm')).toBeNull();
    expect(tracker.observe(refused(401), 'm')?.code).toBe(ENDPOINT_REFUSED);
  });
});

import { describe, expect, it } from 'vitest';
import { lineError } from './line-errors';

const badRequest = {
  type: 'http_error',
  status: 400,
  message: '400 Invalid request',
  retryAfterMs: null,
  requestId: null,
} as const;

describe('lineError', () => {
  it('adds the failure to a reason that does not name it, with the HTTP status', () => {
    expect(lineError('attempts_exhausted', 4, badRequest, 'gave up after 3 attempts')).toEqual({
      code: 'attempts_exhausted',
      message: 'line 4: gave up after 3 attempts (HTTP 400: 400 Invalid request)',
      http_status: 400,
    });
  });

  it('names the failure once when the reason already does', () => {
    const { message } = lineError('endpoint_rejected', 6, badRequest, 'HTTP 400: 400 Invalid request');
    expect(message).toBe('line 6: HTTP 400: 400 Invalid request');
  });
});

import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  OpenAIError,
  RateLimitError,
} from 'openai';
import { describe, expect, it } from 'vitest';
import { describeError, type ErrorContext, translateError } from './translate-error';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const context = (overrides: Partial<ErrorContext> = {}): ErrorContext => ({
  deadline: 'running',
  timeoutMs: 1_000,
  requestId: 'req-from-headers',
  now: NOW,
  ...overrides,
});

describe('translateError', () => {
  it('maps an HTTP error with its status, message, retry hint and request id', () => {
    const error = APIError.generate(
      429,
      { error: { message: 'Too many requests' } },
      undefined,
      new Headers({ 'retry-after': '2', 'x-request-id': 'req-1' }),
    );
    expect(error).toBeInstanceOf(RateLimitError);
    expect(translateError(error, context())).toEqual({
      type: 'http_error',
      status: 429,
      message: '429 Too many requests',
      retryAfterMs: 2_000,
      requestId: 'req-1',
    });
  });

  it('prefers retry-after-ms, reads HTTP dates against `now`, and gives null without a hint', () => {
    const withMs = new APIError(
      503,
      undefined,
      'down',
      new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }),
    );
    expect(translateError(withMs, context())).toMatchObject({
      retryAfterMs: 1_500,
      requestId: 'req-from-headers',
    });
    const withDate = new APIError(
      503,
      undefined,
      'down',
      new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }),
    );
    expect(translateError(withDate, context())).toMatchObject({ retryAfterMs: 5_000 });
    const without = new APIError(500, undefined, 'boom', new Headers());
    expect(translateError(without, context())).toMatchObject({
      type: 'http_error',
      status: 500,
      retryAfterMs: null,
    });
  });

  it('reports our own deadline as a timeout, whatever the SDK threw', () => {
    for (const error of [new APIUserAbortError(), new TypeError('terminated'), undefined]) {
      expect(translateError(error, context({ deadline: 'timed_out', timeoutMs: 250 }))).toEqual({
        type: 'timeout',
        message: 'no complete response within 250 ms',
      });
    }
  });

  it("reports the caller's abort as aborted, even if the SDK saw a timeout", () => {
    expect(translateError(new APIConnectionTimeoutError(), context({ deadline: 'aborted' }))).toEqual({
      type: 'aborted',
      message: 'the request was aborted by the caller',
    });
    expect(translateError(new APIUserAbortError(), context())).toMatchObject({ type: 'aborted' });
  });

  it("maps the SDK's own timeout and connection errors, keeping undici's cause", () => {
    expect(translateError(new APIConnectionTimeoutError(), context())).toEqual({
      type: 'timeout',
      message: 'Request timed out',
    });
    const refused = new APIConnectionError({
      message: 'Connection error.',
      cause: new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') }),
    });
    expect(translateError(refused, context())).toEqual({
      type: 'connection_error',
      message: 'Connection error: fetch failed: connect ECONNREFUSED 127.0.0.1:1',
    });
  });

  it('maps a socket that dies mid-body to connection_error', () => {
    const terminated = new TypeError('terminated', { cause: new Error('other side closed') });
    expect(translateError(terminated, context())).toEqual({
      type: 'connection_error',
      message: 'terminated: other side closed',
    });
  });

  it('maps unusable 200 bodies to invalid_response with the request id', () => {
    expect(
      translateError(new SyntaxError('Error reading response: malformed server-sent event JSON.'), context()),
    ).toEqual({
      type: 'invalid_response',
      message: 'Error reading response: malformed server-sent event JSON',
      requestId: 'req-from-headers',
    });
    const streamError = new APIError(
      undefined,
      { message: 'model overloaded' },
      undefined,
      new Headers({ 'x-request-id': 'req-2' }),
    );
    expect(translateError(streamError, context())).toEqual({
      type: 'invalid_response',
      message: 'error event in the stream: model overloaded',
      requestId: 'req-2',
    });
    expect(
      translateError(
        new OpenAIError('Attempted to iterate over a response with no body'),
        context({ requestId: null }),
      ),
    ).toEqual({
      type: 'invalid_response',
      message: 'Attempted to iterate over a response with no body',
      requestId: null,
    });
  });
});

describe('describeError', () => {
  it('joins causes, drops repeats and trailing periods, and survives odd values', () => {
    const error = new Error('outer.', { cause: new Error('outer.', { cause: 'inner' }) });
    expect(describeError(error)).toBe('outer: inner');
    expect(describeError(undefined)).toBe('unknown error');
    expect(describeError(42)).toBe('42');
  });
});

import { type ModelCallFailure, parseRetryAfter } from '@thinkbatch/core';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  OpenAIError,
} from 'openai';
import type { DeadlineState } from './attempt-deadline';

/** What is known about the attempt when an error surfaces. */
export interface ErrorContext {
  readonly deadline: DeadlineState;
  readonly timeoutMs: number;
  /** `x-request-id` of the response, when its headers had arrived. */
  readonly requestId: string | null;
  /** Epoch ms, to turn an HTTP-date `retry-after` into a wait. */
  readonly now: number;
}

/** The message of an error and of its causes: undici hides the useful part ("other side closed") there. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth += 1) {
    const message = (current instanceof Error ? current.message : String(current)).replace(/\.$/, '');
    if (message !== '' && !parts.includes(message)) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ') || 'unknown error';
}

/**
 * Translate anything thrown while calling the SDK or reading its response into a `ModelCallFailure`:
 * - our own deadline fired → `timeout`; the caller's signal fired → `aborted` (checked first: the SDK
 *   reports both as a user abort, or ends a stream silently);
 * - `APIConnectionTimeoutError` → `timeout`; `APIUserAbortError` → `aborted`;
 * - `APIError` with an HTTP status → `http_error` with `retry-after-ms`/`retry-after` and `x-request-id`;
 * - an `error` event inside a 200 stream (`APIError` without status), malformed JSON (`SyntaxError`) or
 *   another SDK complaint about the body (`OpenAIError`) → `invalid_response`;
 * - `APIConnectionError` and anything else (undici's `terminated` when the socket dies mid-body) →
 *   `connection_error`.
 */
export function translateError(error: unknown, context: ErrorContext): ModelCallFailure {
  if (context.deadline === 'timed_out') {
    return { type: 'timeout', message: `no complete response within ${context.timeoutMs} ms` };
  }
  if (context.deadline === 'aborted' || error instanceof APIUserAbortError) {
    return { type: 'aborted', message: 'the request was aborted by the caller' };
  }
  if (error instanceof APIConnectionTimeoutError) {
    return { type: 'timeout', message: describeError(error) };
  }
  if (error instanceof APIConnectionError) {
    return { type: 'connection_error', message: describeError(error) };
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    return {
      type: 'http_error',
      status: error.status,
      message: error.message,
      retryAfterMs: error.headers === undefined ? null : parseRetryAfter(error.headers, context.now),
      requestId: error.requestID ?? context.requestId,
    };
  }
  if (error instanceof APIError) {
    const requestId = error.requestID ?? context.requestId;
    return { type: 'invalid_response', message: `error event in the stream: ${error.message}`, requestId };
  }
  if (error instanceof SyntaxError || error instanceof OpenAIError) {
    return { type: 'invalid_response', message: describeError(error), requestId: context.requestId };
  }
  return { type: 'connection_error', message: describeError(error) };
}

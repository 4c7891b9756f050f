import type { ServerResponse } from 'node:http';
import type { RetryAfterFormat } from '../faults/fault';

/** Body of an OpenAI-style error response. */
export interface OpenAIErrorBody {
  readonly message: string;
  readonly type: string;
  readonly code: string | null;
  readonly param?: string | null;
}

/** Send a JSON body with `content-length`. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** Send `{ error: { message, type, code, param } }` as OpenAI does. */
export function sendError(
  res: ServerResponse,
  status: number,
  error: OpenAIErrorBody,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJson(res, status, { error: { param: null, ...error } }, headers);
}

/**
 * The retry hint headers for a wait of `ms` in the given format (seconds are rounded up; a date is
 * `now + ms`, to the second).
 */
export function retryAfterHeaders(
  ms: number,
  format: RetryAfterFormat,
  now: number = Date.now(),
): Record<string, string> {
  const seconds = String(Math.max(1, Math.ceil(ms / 1000)));
  const millis = String(Math.max(0, Math.round(ms)));
  switch (format) {
    case 'seconds':
      return { 'retry-after': seconds };
    case 'milliseconds':
      return { 'retry-after-ms': millis };
    case 'both':
      return { 'retry-after': seconds, 'retry-after-ms': millis };
    case 'date':
      return { 'retry-after': new Date(Math.ceil((now + ms) / 1000) * 1000).toUTCString() };
    case 'none':
      return {};
  }
}

/** Default error bodies for statuses a fault may produce. */
export function errorForStatus(status: number, message?: string): OpenAIErrorBody {
  switch (status) {
    case 400:
      return {
        message: message ?? 'Invalid request (simulated).',
        type: 'invalid_request_error',
        code: null,
      };
    case 401:
      return {
        message: message ?? 'Invalid API key (simulated).',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      };
    case 429:
      return {
        message: message ?? 'Rate limit exceeded (simulated).',
        type: 'requests',
        code: 'rate_limit_exceeded',
      };
    case 503:
      return {
        message: message ?? 'Service temporarily unavailable: high load (simulated).',
        type: 'server_error',
        code: 'service_unavailable',
      };
    default:
      return {
        message:
          message ?? (status === 500 ? 'Internal server error (simulated).' : `Error ${status} (simulated).`),
        type: status >= 500 ? 'server_error' : 'invalid_request_error',
        code: null,
      };
  }
}

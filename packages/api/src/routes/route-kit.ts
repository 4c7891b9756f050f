import type { OpenAPIHono } from '@hono/zod-openapi';
import { ErrorResponse } from '../api-error';

/** The app every route registers on. */
export type ApiApp = OpenAPIHono;

/** Error responses a route documents, by status. */
const ERROR_DESCRIPTIONS = {
  400: 'The request is malformed: a field, a parameter or a job id is invalid (`invalid_value`).',
  401: 'No valid bearer token (`unauthenticated`).',
  403: 'The token is read-only: it may list and read jobs, not change them (`forbidden`).',
  404: 'No such job (`not_found`).',
  409: 'The job’s state or an earlier request with the same `Idempotency-Key` refuses this one (`conflict`).',
  413: 'The request body is too large (`payload_too_large`); upload large files through an upload slot.',
  422: 'The job cannot serve this request (`unprocessable`).',
  429: 'This token made more requests than its rate limit allows (`too_many_requests`); retry after the seconds in `Retry-After`.',
  503: 'A service the API depends on is unavailable; retry later (`unavailable`).',
} as const;

/** One documented error response. */
interface ErrorContent {
  readonly description: string;
  readonly content: { readonly 'application/json': { readonly schema: typeof ErrorResponse } };
  readonly headers?: Record<
    string,
    { readonly description: string; readonly schema: { readonly type: 'integer' } }
  >;
}

/** The headers of a 429: when to try again. */
const RATE_LIMITED_HEADERS = {
  'Retry-After': {
    description: 'Seconds until the token’s window ends and it may make requests again.',
    schema: { type: 'integer' },
  },
} as const;

/**
 * Responses of the given error statuses (and 503, which any route may answer; and 429 with 401: every
 * authenticated route is rate-limited per token), each an ErrorResponse.
 */
export function errorResponses<Status extends Exclude<keyof typeof ERROR_DESCRIPTIONS, 429>>(
  ...statuses: Status[]
): Record<Status | 429 | 503, ErrorContent> {
  const responses: Partial<Record<Status | 429 | 503, ErrorContent>> = {};
  const rateLimited = statuses.includes(401 as Status) ? [429 as const] : [];
  for (const status of [...statuses, ...rateLimited, 503 as const]) {
    responses[status] = {
      description: ERROR_DESCRIPTIONS[status],
      content: { 'application/json': { schema: ErrorResponse } },
      ...(status === 429 && { headers: RATE_LIMITED_HEADERS }),
    };
  }
  return responses as Record<Status | 429 | 503, ErrorContent>;
}

/** The security requirement of every route but the health check. */
export const BEARER = [{ bearer: [] }];

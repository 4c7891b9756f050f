import type { OpenAPIHono } from '@hono/zod-openapi';
import { ErrorResponse } from '../api-error';

/** The app every route registers on. */
export type ApiApp = OpenAPIHono;

/** Error responses a route documents, by status. */
const ERROR_DESCRIPTIONS = {
  400: 'The request is malformed: a field, a parameter or a job id is invalid (`invalid_value`).',
  401: 'No valid bearer token (`unauthenticated`).',
  404: 'No such job (`not_found`).',
  409: 'The job’s state or an earlier request with the same `Idempotency-Key` refuses this one (`conflict`).',
  413: 'The request body is too large (`payload_too_large`); upload large files through an upload slot.',
  422: 'The job cannot serve this request (`unprocessable`).',
  503: 'A service the API depends on is unavailable; retry later (`unavailable`).',
} as const;

/** One documented error response. */
interface ErrorContent {
  readonly description: string;
  readonly content: { readonly 'application/json': { readonly schema: typeof ErrorResponse } };
}

/** Responses of the given error statuses (and 503, which any route may answer), each an ErrorResponse. */
export function errorResponses<Status extends keyof typeof ERROR_DESCRIPTIONS>(
  ...statuses: Status[]
): Record<Status | 503, ErrorContent> {
  const responses: Partial<Record<Status | 503, ErrorContent>> = {};
  for (const status of [...statuses, 503 as const]) {
    responses[status] = {
      description: ERROR_DESCRIPTIONS[status],
      content: { 'application/json': { schema: ErrorResponse } },
    };
  }
  return responses as Record<Status | 503, ErrorContent>;
}

/** The security requirement of every route but the health check. */
export const BEARER = [{ bearer: [] }];

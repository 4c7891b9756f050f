import { ErrorCode, ThinkbatchError } from '@thinkbatch/core';
import { z } from 'zod';

/** The HTTP status of each stable error code (as `ErrorCode` documents them). */
export const HTTP_STATUS_OF = {
  [ErrorCode.internal]: 500,
  [ErrorCode.invalidConfiguration]: 500,
  [ErrorCode.invalidValue]: 400,
  [ErrorCode.notFound]: 404,
  [ErrorCode.conflict]: 409,
  [ErrorCode.preconditionFailed]: 412,
  [ErrorCode.unavailable]: 503,
  [ErrorCode.unknown]: 502,
  [ErrorCode.unauthenticated]: 401,
  [ErrorCode.forbidden]: 403,
  [ErrorCode.tooManyRequests]: 429,
  [ErrorCode.payloadTooLarge]: 413,
  [ErrorCode.unprocessable]: 422,
} as const satisfies Record<ErrorCode, number>;

/** Every error response: `{"error": {"code", "message"}}`, the code one of `ErrorCode`'s. */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
    }),
  })
  .meta({ id: 'ErrorResponse', description: 'An error, with a stable code and a message for people.' });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/**
 * An error the API answers with: a code of the core's tree and a message the client may read (never a
 * secret, never an internal detail). Thrown by routes; `toErrorResponse` turns any error into a body.
 */
export class ApiError extends ThinkbatchError {
  override name = 'ApiError';
}

/** The status and body of an error; a server-side failure answers a generic message, never its details. */
export function toErrorResponse(error: unknown): { readonly status: number; readonly body: ErrorResponse } {
  const code = error instanceof ThinkbatchError ? error.code : ErrorCode.internal;
  const status = HTTP_STATUS_OF[code];
  const message =
    error instanceof ApiError || (error instanceof ThinkbatchError && status < 500)
      ? error.message
      : serverMessage(code);
  return { status, body: { error: { code, message } } };
}

function serverMessage(code: ErrorCode): string {
  if (code === ErrorCode.unavailable) return 'a service the API depends on is unavailable; try again later';
  if (code === ErrorCode.unknown) return 'a service the API depends on failed';
  return 'internal error';
}

/**
 * Stable codes of every error thrown by the core and its adapters: what went wrong, by kind, whatever
 * the class. They never change meaning, so the HTTP API can map each to a status (in brackets).
 */
export const ErrorCode = {
  /** A bug: an invariant of the code did not hold. (500) */
  internal: 'internal',
  /** Configuration that cannot work: a bad price table, a negative limit, an unknown key. (500, or 400 when the request carried it) */
  invalidConfiguration: 'invalid_configuration',
  /** A value from outside failed its schema or limits: a stored record, a message, an argument. (400 or 500) */
  invalidValue: 'invalid_value',
  /** The job, chunk, line or object named does not exist. (404) */
  notFound: 'not_found',
  /** The record's state refuses the change: a chunk not complete, a line not in the chunk. (409) */
  conflict: 'conflict',
  /** An object changed since the version that was pinned (etag mismatch). (412) */
  preconditionFailed: 'precondition_failed',
  /** A service is unreachable, throttling or timing out: a later retry may work. (503) */
  unavailable: 'unavailable',
  /** A service failed in a way its adapter could not classify. (502) */
  unknown: 'unknown',
  /** The request carries no valid credentials (the API's bearer token). (401) */
  unauthenticated: 'unauthenticated',
  /** The credentials are valid but do not allow this request (a read-only token creating a job). (403) */
  forbidden: 'forbidden',
  /** The client sent more requests than its rate limit allows; `Retry-After` says when to try again. (429) */
  tooManyRequests: 'too_many_requests',
  /** The request body is larger than the route accepts. (413) */
  payloadTooLarge: 'payload_too_large',
  /** A well-formed request the target's state cannot serve: nothing to retry, a job without results. (422) */
  unprocessable: 'unprocessable',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

import type { FanOutFailure } from '@thinkbatch/core';

/**
 * The record Lambda sends to an on-failure destination once an asynchronous invocation failed for good
 * (after its retries, or too old): the original event as `requestPayload`, the last error as
 * `responsePayload` (`{errorMessage, errorType, stackTrace}`). The local runtime builds the same record.
 */
export interface AsyncFailureRecord {
  readonly version: '1.0';
  /** ISO time of the failure. */
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    /** `RetriesExhausted` or `EventAgeExceeded`. */
    readonly condition: string;
    readonly approximateInvokeCount: number;
  };
  /** The event the function was invoked with. */
  readonly requestPayload: unknown;
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: string;
  };
  /** What the last invocation returned or threw; absent when the event expired before running. */
  readonly responsePayload?: unknown;
}

/** The record of an invocation whose every attempt threw `error`, as Lambda writes it. */
export function asyncFailureRecord(args: {
  readonly event: unknown;
  readonly error: unknown;
  readonly attempts: number;
  readonly functionArn: string;
  readonly requestId: string;
  readonly now: Date;
}): AsyncFailureRecord {
  const error = args.error instanceof Error ? args.error : new Error(String(args.error));
  return {
    version: '1.0',
    timestamp: args.now.toISOString(),
    requestContext: {
      requestId: args.requestId,
      functionArn: `${args.functionArn}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: args.attempts,
    },
    requestPayload: args.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: error.name,
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    },
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Read a failure record from a queue message body: the original event, and how it failed (attempts and
 * the last error message, or the condition when there is no error). Null when the body is not one.
 */
export function readAsyncFailureRecord(body: string): { event: unknown; failure: FanOutFailure } | null {
  let record: unknown;
  try {
    record = JSON.parse(body);
  } catch {
    return null;
  }
  if (!isObject(record) || !isObject(record['requestContext']) || !('requestPayload' in record)) return null;
  const context = record['requestContext'];
  const count = context['approximateInvokeCount'];
  const condition = typeof context['condition'] === 'string' ? context['condition'] : 'failed';
  const response = record['responsePayload'];
  const errorMessage = isObject(response) ? response['errorMessage'] : undefined;
  return {
    event: record['requestPayload'],
    failure: {
      attempts: typeof count === 'number' && Number.isInteger(count) ? count : null,
      message:
        typeof errorMessage === 'string' && errorMessage !== ''
          ? errorMessage
          : `the event was given up (${condition}) without an error message`,
    },
  };
}

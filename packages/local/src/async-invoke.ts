import { randomUUID } from 'node:crypto';
import type { Logger } from '@thinkbatch/core';
import { type AsyncFailureRecord, asyncFailureRecord } from '@thinkbatch/functions';

/** How an asynchronous invocation ended, after its retries. */
export type AsyncInvokeOutcome =
  | { readonly kind: 'succeeded'; readonly attempts: number }
  | { readonly kind: 'failed'; readonly attempts: number; readonly error: unknown };

/** Options of {@link createAsyncInvoker}. */
export interface AsyncInvokerOptions<Event> {
  readonly handler: (event: Event) => Promise<unknown>;
  /** Retries after a failed attempt (Lambda's `MaximumRetryAttempts`, 0–2). */
  readonly retries: number;
  /** Wait before each retry, by retry (the last one repeats). Lambda waits about 1, then 2 minutes. */
  readonly retryDelaysMs: readonly number[];
  /** Where the failure record goes after the last retry (Lambda's on-failure destination). */
  readonly onFailure: (record: AsyncFailureRecord) => Promise<void>;
  /** Named in the failure record. */
  readonly functionArn: string;
  readonly log: Logger;
  /** Waits between attempts; rejects when the runtime stops. */
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Lambda's asynchronous invocation (how S3 invokes the fan-out), on one machine: run the handler; when it
 * throws, wait and run it again, `retries` times; when the last attempt throws too, send Lambda's failure
 * record to the on-failure destination. The caller never sees the handler's error, as an uploader never
 * does on AWS. A stop while waiting gives up quietly (the sweeper finds the job later).
 */
export function createAsyncInvoker<Event>(
  options: AsyncInvokerOptions<Event>,
): (event: Event) => Promise<AsyncInvokeOutcome> {
  return async (event) => {
    const attempts = options.retries + 1;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1) {
        const delays = options.retryDelaysMs;
        const wait = delays[Math.min(attempt - 2, delays.length - 1)] ?? 0;
        try {
          await options.sleep(wait);
        } catch {
          return { kind: 'failed', attempts: attempt - 1, error: lastError };
        }
      }
      try {
        await options.handler(event);
        return { kind: 'succeeded', attempts: attempt };
      } catch (error) {
        lastError = error;
        options.log.error('async invocation failed', {
          function: options.functionArn,
          attempt,
          of: attempts,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      }
    }
    await options.onFailure(
      asyncFailureRecord({
        event,
        error: lastError,
        attempts,
        functionArn: options.functionArn,
        requestId: randomUUID(),
        now: new Date(),
      }),
    );
    return { kind: 'failed', attempts, error: lastError };
  };
}

import { processWorkMessage, startInvocation } from '@thinkbatch/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type DepsProvider, once } from './deps-provider';
import { depsFromEnvironment } from './environment';
import { processSqsRecords } from './sqs-batch';

/** The part of Lambda's context the worker reads. */
export type WorkerContext = Pick<Context, 'getRemainingTimeInMillis'>;

/**
 * Worker: runs a batch of work items with one shared bound on lines in flight (as many as the endpoint's
 * rate gate grants, within `lineConcurrency`) and one lease per gate, and reports the items that must
 * come back as a partial batch response.
 */
export function createWorkerHandler(
  getDeps: DepsProvider,
  options: {
    /** Aborts in-flight lines, which are handed back to the queue (the local runtime stopping). */
    readonly signal?: AbortSignal;
  } = {},
): (event: SQSEvent, context: WorkerContext) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    const deps = await getDeps();
    const invocation = startInvocation(deps, {
      deadline: deps.clock.now() + context.getRemainingTimeInMillis(),
      ...(options.signal && { signal: options.signal }),
    });
    try {
      return await processSqsRecords(event.Records, deps.log, (message) =>
        processWorkMessage(deps, message, invocation),
      );
    } finally {
      await invocation.close();
    }
  };
}

export const handler = createWorkerHandler(once(depsFromEnvironment));

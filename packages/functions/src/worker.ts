import { createLimiter, processWorkMessage } from '@thinkbatch/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type DepsProvider, once } from './deps-provider';
import { depsFromEnvironment } from './environment';
import { processSqsRecords } from './sqs-batch';

/** The part of Lambda's context the worker reads. */
export type WorkerContext = Pick<Context, 'getRemainingTimeInMillis'>;

/**
 * Worker: runs a batch of work items with one shared bound on lines in flight, and reports the items
 * that must come back as a partial batch response.
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
    const invocation = {
      deadline: deps.clock.now() + context.getRemainingTimeInMillis(),
      limiter: createLimiter(deps.config.lineConcurrency),
      ...(options.signal && { signal: options.signal }),
    };
    return processSqsRecords(event.Records, deps.log, (message) =>
      processWorkMessage(deps, message, invocation),
    );
  };
}

export const handler = createWorkerHandler(once(depsFromEnvironment));

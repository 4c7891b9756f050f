import { handleDeadLetter } from '@thinkbatch/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type DepsProvider, once } from './deps-provider';
import { depsFromEnvironment } from './environment';
import { processSqsRecords } from './sqs-batch';

/** DLQ consumer: every dead-lettered work item still ends as result lines. */
export function createDeadLetterHandler(
  getDeps: DepsProvider,
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const deps = await getDeps();
    return processSqsRecords(event.Records, deps.log, (message, record) =>
      handleDeadLetter(deps, message, Number(record.attributes.ApproximateReceiveCount) || 0),
    );
  };
}

export const handler = createDeadLetterHandler(once(depsFromEnvironment));

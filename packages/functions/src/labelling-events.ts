import { JobFinishedEvent } from '@thinkbatch/core';
import { handleLabellingJobFinished, type LabellingDeps } from '@thinkbatch/labelling';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { onceLabellingDeps } from './labelling-deps';

/**
 * Consumer of the job finished events: each takes its labelling run further. A record that fails comes
 * back (partial batch response); one that is no event can never succeed and is dropped.
 */
export function createLabellingEventsHandler(getDeps: () => LabellingDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const deps = getDeps();
    const batchItemFailures: SQSBatchItemFailure[] = [];
    for (const record of event.Records) {
      let finished: JobFinishedEvent;
      try {
        finished = JobFinishedEvent.parse(JSON.parse(record.body));
      } catch {
        deps.log.error('dropping a message that is not a job finished event', {
          messageId: record.messageId,
        });
        continue;
      }
      try {
        await handleLabellingJobFinished(deps, finished);
      } catch (error) {
        deps.log.error('labelling could not handle a finished job; it will be redelivered', {
          jobId: finished.jobId,
          error: String(error),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

export const handler = createLabellingEventsHandler(onceLabellingDeps());

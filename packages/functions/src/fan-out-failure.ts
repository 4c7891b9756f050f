import { handleFanOutFailure } from '@thinkbatch/core';
import type { S3Event, SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { readAsyncFailureRecord } from './async-failure-record';
import { type DepsProvider, once } from './deps-provider';
import { depsFromEnvironment } from './environment';
import { uploadEventOf } from './fan-out';

const isS3Event = (value: unknown): value is S3Event =>
  typeof value === 'object' &&
  value !== null &&
  Array.isArray((value as { Records?: unknown }).Records) &&
  (value as S3Event).Records.every(
    (r) => typeof r?.s3?.bucket?.name === 'string' && typeof r.s3.object?.key === 'string',
  );

/**
 * Consumer of the fan-out's on-failure destination: each message is Lambda's record of an S3 event whose
 * fan-out threw on every attempt; the job of each upload in it ends `failed` (`fan_out_failed`) with
 * the error. A message that is not such a record can never succeed: it is logged and dropped.
 */
export function createFanOutFailureHandler(
  getDeps: DepsProvider,
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const deps = await getDeps();
    const batchItemFailures: SQSBatchItemFailure[] = [];
    for (const record of event.Records) {
      const failed = readAsyncFailureRecord(record.body);
      if (failed === null || !isS3Event(failed.event)) {
        deps.log.error('dropping a message that is not a fan-out failure record', {
          messageId: record.messageId,
        });
        continue;
      }
      try {
        for (const s3Record of failed.event.Records) {
          const outcome = await handleFanOutFailure(deps, uploadEventOf(s3Record), failed.failure);
          deps.log.info('fan-out failure handled', {
            key: s3Record.s3.object.key,
            ...(outcome.kind === 'failed'
              ? { jobId: outcome.job.jobId, status: outcome.job.status }
              : { ignored: outcome.reason }),
          });
        }
      } catch (error) {
        deps.log.error('handling a fan-out failure failed; it will be redelivered', {
          messageId: record.messageId,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

export const handler = createFanOutFailureHandler(once(depsFromEnvironment));

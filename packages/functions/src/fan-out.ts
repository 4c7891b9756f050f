import { startJob, type UploadEvent } from '@thinkbatch/core';
import type { Context, S3Event, S3EventRecord } from 'aws-lambda';
import { type DepsProvider, once } from './deps-provider';
import { depsFromEnvironment } from './environment';

/** S3 event keys are URL-encoded with `+` for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** The upload an S3 event record announces. */
export function uploadEventOf(record: S3EventRecord): UploadEvent {
  const { bucket, object } = record.s3;
  return {
    bucket: bucket.name,
    key: decodeS3Key(object.key),
    ...(object.sequencer !== undefined && { sequencer: object.sequencer }),
    ...(object.eTag !== undefined && { etag: object.eTag }),
    ...(object.versionId !== undefined && { versionId: object.versionId }),
  };
}

/**
 * Fan-out: one S3 object-created event starts (or resumes) a job per record. Transient errors throw, so
 * Lambda's async retries run it again (startJob and fan-out are idempotent); after the last retry the
 * event goes to the on-failure destination, whose consumer fails the job (`fan-out-failure.ts`).
 */
export function createFanOutHandler(
  getDeps: DepsProvider,
): (event: S3Event, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<void> {
  return async (event, context) => {
    const deps = await getDeps();
    // Past its deadline a fan-out hands the rest on from its checkpoint (a worker continues it).
    const deadline = context === undefined ? undefined : Date.now() + context.getRemainingTimeInMillis();
    for (const record of event.Records) {
      const invocation = deadline === undefined ? {} : { deadline };
      const outcome = await startJob(deps, uploadEventOf(record), invocation);
      if (outcome.kind === 'ignored')
        deps.log.info('upload ignored', { key: record.s3.object.key, reason: outcome.reason });
      else deps.log.info('fan-out done', { jobId: outcome.job.jobId, outcome: outcome.fanOut.kind });
    }
  };
}

export const handler = createFanOutHandler(once(depsFromEnvironment));

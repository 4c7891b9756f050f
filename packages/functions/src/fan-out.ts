import { startJob } from '@thinkbatch/core';
import type { S3Event } from 'aws-lambda';
import { type DepsProvider, once } from './deps-provider';
import { depsFromEnvironment } from './environment';

/** S3 event keys are URL-encoded with `+` for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * Fan-out: one S3 object-created event starts (or resumes) a job per record. Errors throw, so Lambda's
 * async retries run it again; startJob and fan-out are idempotent.
 */
export function createFanOutHandler(getDeps: DepsProvider): (event: S3Event) => Promise<void> {
  return async (event) => {
    const deps = await getDeps();
    for (const record of event.Records) {
      const { bucket, object } = record.s3;
      const outcome = await startJob(deps, {
        bucket: bucket.name,
        key: decodeS3Key(object.key),
        sequencer: object.sequencer,
        etag: object.eTag,
        ...(object.versionId !== undefined && { versionId: object.versionId }),
      });
      if (outcome.kind === 'ignored')
        deps.log.info('upload ignored', { key: object.key, reason: outcome.reason });
      else deps.log.info('fan-out done', { jobId: outcome.job.jobId, outcome: outcome.fanOut.kind });
    }
  };
}

export const handler = createFanOutHandler(once(depsFromEnvironment));

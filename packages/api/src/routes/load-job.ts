import { ErrorCode, type JobRecord } from '@thinkbatch/core';
import type { ResolvedApiDeps } from '../api-deps';
import { ApiError } from '../api-error';

/** The job of a (validated) id, or 404 `not_found`. */
export async function loadJob(deps: Pick<ResolvedApiDeps, 'jobs'>, jobId: string): Promise<JobRecord> {
  const job = await deps.jobs.getJob(jobId);
  if (job === null) throw new ApiError(`no job ${jobId}`, { code: ErrorCode.notFound });
  return job;
}

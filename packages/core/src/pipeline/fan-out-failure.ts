import type { JobRecord } from '../job/job';
import { isTerminalJobStatus } from '../job/job';
import { failJob, JOB_FAILURE_CODES } from './fail-job';
import type { PipelineDeps } from './pipeline-deps';
import { identifyUpload, type UploadEvent } from './start-job';

/** How the fan-out of one upload event failed for good, as Lambda's on-failure record tells it. */
export interface FanOutFailure {
  /** Invocations that ran (Lambda's `approximateInvokeCount`); null when the record does not say. */
  readonly attempts: number | null;
  /** The last error the function reported (`errorMessage`), or what else the record says. */
  readonly message: string;
}

export type FanOutFailureOutcome =
  | { readonly kind: 'failed'; readonly job: JobRecord }
  | { readonly kind: 'ignored'; readonly reason: string };

/**
 * The fan-out of an upload event threw on every attempt and the event was given up: end its job
 * `failed` (`fan_out_failed`) with the error, so it never stays `validating`. The job id is derived as
 * `startJob` derives it; a job that does not exist yet (fan-out died before creating it) is created, so
 * the upload still shows as a failed job. A job whose fan-out finished after all (a duplicate event
 * succeeded) or that already ended is left alone. Idempotent.
 */
export async function handleFanOutFailure(
  deps: PipelineDeps,
  event: UploadEvent,
  failure: FanOutFailure,
): Promise<FanOutFailureOutcome> {
  const upload = await identifyUpload(deps, event);
  if (upload.kind === 'ignored') return upload;
  const { job } = await deps.jobs.createJob({
    jobId: upload.jobId,
    input: upload.input,
    options: upload.options.ok ? upload.options.value : {},
    now: deps.clock.now(),
  });
  if (job.chunksTotal !== null || (isTerminalJobStatus(job.status) && job.outputs !== null)) {
    return { kind: 'ignored', reason: `job ${job.jobId} is ${job.status}; its fan-out is not unfinished` };
  }
  const attempts = failure.attempts === null ? '' : ` ${failure.attempts} times`;
  const failed = await failJob(deps, job.jobId, {
    code: JOB_FAILURE_CODES.fanOutFailed,
    message: `fan-out of s3://${event.bucket}/${event.key} failed${attempts}: ${failure.message}`,
  });
  return failed === null
    ? { kind: 'ignored', reason: `job ${job.jobId} vanished` }
    : { kind: 'failed', job: failed };
}

import type { JobError, JobRecord } from '../job/job';
import { publishJobFinished } from '../ports/job-events';
import { writeResultFiles, writeSummary } from './job-outputs';
import type { PipelineDeps } from './pipeline-deps';
import { readRecordedResults } from './read-job-results';
import { removeIntermediates } from './remove-intermediates';

/** Job-level failure codes of the steps that keep a job from staying unfinished. */
export const JOB_FAILURE_CODES = {
  /** The work queue refused fan-out's work for good, or fan-out threw on every async attempt. */
  fanOutFailed: 'fan_out_failed',
  /** Fan-out made no progress, even after the sweeper resumed it `maxFanOutResumes` times. */
  fanOutStalled: 'fan_out_stalled',
} as const;

/**
 * End a job `failed` with a reason its status shows, and leave outputs of what it did: `results.jsonl`
 * with every line recorded before it failed (input order), `errors.jsonl`, `summary.json` (status
 * `failed`, the error, the counts of those lines) and, when asked, the OpenAI Batch file. Lines without
 * a result are not in them: they never ran. Workers drop the work of a terminal job, so nothing is paid
 * for after this. Idempotent: a failed job without outputs (a crash in between) gets them on a re-run;
 * a job that is terminal otherwise, or finalizing, is left alone.
 */
export async function failJob(deps: PipelineDeps, jobId: string, error: JobError): Promise<JobRecord | null> {
  const now = deps.clock.now();
  let job = await deps.jobs.transitionJob(jobId, {
    from: ['validating', 'queued', 'running'],
    to: 'failed',
    now,
    error,
  });
  if (job === null) {
    job = await deps.jobs.getJob(jobId);
    if (job === null || job.status !== 'failed' || job.outputs !== null) return job;
  } else {
    deps.log.error('job failed', { jobId, code: error.code, message: error.message });
  }
  return writeFailureOutputs(deps, job);
}

async function writeFailureOutputs(deps: PipelineDeps, job: JobRecord): Promise<JobRecord> {
  const { jobId } = job;
  const files = await writeResultFiles(deps, job, readRecordedResults(deps, jobId));
  const finishedAt = job.finishedAt ?? deps.clock.now();
  const summary = await writeSummary(deps, files.summary, {
    jobId,
    status: 'failed',
    startedAt: job.startedAt ?? job.createdAt,
    finishedAt,
    error: job.error,
  });
  const { outputs } = files;
  const done = await deps.jobs.transitionJob(jobId, {
    from: ['failed'],
    to: 'failed',
    now: finishedAt,
    outputs,
  });
  await removeIntermediates(deps, jobId);
  deps.log.info('failed job left its outputs', { jobId, counts: summary.counts });
  const failed = done ?? { ...job, outputs };
  await publishJobFinished(deps.events, deps.log, failed);
  return failed;
}

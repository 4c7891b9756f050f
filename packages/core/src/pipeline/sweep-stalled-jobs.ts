import type { JobRecord } from '../job/job';
import { isTerminalJobStatus } from '../job/job';
import { failJob, JOB_FAILURE_CODES } from './fail-job';
import { fanOut } from './fan-out';
import type { PipelineDeps } from './pipeline-deps';

/** What one sweep did, by job id. */
export interface SweepReport {
  /** Unfinished jobs looked at. */
  readonly seen: number;
  /** Stalled fan-outs resumed. */
  readonly resumed: readonly string[];
  /** Jobs ended `failed` (`fan_out_stalled`). */
  readonly failed: readonly string[];
  /** Jobs with every chunk done that got another finalize request. */
  readonly finalizeRequested: readonly string[];
  /** Jobs whose handling threw (transient errors: the next sweep tries again). */
  readonly errors: readonly { readonly jobId: string; readonly error: string }[];
}

/**
 * Find unfinished jobs whose steps stopped making progress, and resume or end them:
 *
 * - fan-out never finished (no `chunksTotal`) and the job has not changed for `fanOutStalledAfterMs`:
 *   resume the fan-out here (idempotent: chunks already sent are skipped), at most `maxFanOutResumes`
 *   times; after that, fail the job with `fan_out_stalled`;
 * - every chunk done but the job is still `queued`/`running` after `finalizeStalledAfterMs` (its finalize
 *   request was lost), or `finalizing` with an expired lease (its finalizer died): request finalize again.
 *   Duplicate requests are harmless: the job store grants one finalizer.
 *
 * Jobs still making progress are left alone. One job's failure does not stop the sweep.
 */
export async function sweepStalledJobs(deps: PipelineDeps, now: number): Promise<SweepReport> {
  const report: SweepLog = { seen: 0, resumed: [], failed: [], finalizeRequested: [], errors: [] };
  for await (const job of deps.jobs.listUnfinishedJobs()) {
    report.seen += 1;
    try {
      await sweepJob(deps, job, now, report);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      deps.log.error('sweeping a job failed; the next sweep tries again', {
        jobId: job.jobId,
        error: message,
      });
      report.errors.push({ jobId: job.jobId, error: message });
    }
  }
  if (
    report.resumed.length + report.failed.length + report.finalizeRequested.length + report.errors.length >
    0
  )
    deps.log.info('sweep done', { ...report });
  return report;
}

interface SweepLog {
  seen: number;
  resumed: string[];
  failed: string[];
  finalizeRequested: string[];
  errors: { jobId: string; error: string }[];
}

async function sweepJob(deps: PipelineDeps, job: JobRecord, now: number, report: SweepLog): Promise<void> {
  if (isTerminalJobStatus(job.status)) return;
  const config = deps.config;
  if (job.chunksTotal === null) {
    const stalledBefore = now - config.fanOutStalledAfterMs;
    if (job.updatedAt > stalledBefore) return;
    const claimed = await deps.jobs.claimFanOutResume(job.jobId, {
      now,
      stalledBefore,
      maxResumes: config.maxFanOutResumes,
    });
    if (claimed !== null) {
      deps.log.warn('resuming a stalled fan-out', { jobId: job.jobId, resume: claimed.fanOutResumes });
      report.resumed.push(job.jobId);
      await fanOut(deps, claimed);
      return;
    }
    const latest = await deps.jobs.getJob(job.jobId);
    const stillStalled =
      latest !== null &&
      latest.chunksTotal === null &&
      !isTerminalJobStatus(latest.status) &&
      latest.updatedAt <= stalledBefore &&
      latest.fanOutResumes >= config.maxFanOutResumes;
    if (!stillStalled) return;
    const minutes = Math.round(config.fanOutStalledAfterMs / 60_000);
    await failJob(deps, job.jobId, {
      code: JOB_FAILURE_CODES.fanOutStalled,
      message: `fan-out of s3://${job.input.bucket}/${job.input.key} made no progress for ${minutes} min, even after ${latest.fanOutResumes} resumes`,
    });
    report.failed.push(job.jobId);
    return;
  }
  if (job.chunksDone < job.chunksTotal) return; // work in flight: SQS redelivery and the DLQ see it through
  const lostRequest =
    (job.status === 'queued' || job.status === 'running') &&
    now - job.updatedAt >= config.finalizeStalledAfterMs;
  const deadFinalizer =
    job.status === 'finalizing' && job.finalizeLeaseUntil !== null && job.finalizeLeaseUntil <= now;
  if (!lostRequest && !deadFinalizer) return;
  deps.log.warn('requesting finalize again for a stalled job', { jobId: job.jobId, status: job.status });
  await deps.queue.send([{ type: 'finalize_job', jobId: job.jobId }]);
  report.finalizeRequested.push(job.jobId);
}

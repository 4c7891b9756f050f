import type { JobRecord, JobStatus } from '../job/job';
import { publishJobFinished } from '../ports/job-events';
import type { RateGateSnapshot } from '../rate-control/rate-gate-snapshot';
import type { JobSummary, SummaryCounts } from '../results/job-summary';
import { claimFinalizeOrRetryLater } from './finalize-claim';
import { writeResultFiles, writeSummary } from './job-outputs';
import type { PipelineDeps } from './pipeline-deps';
import { readJobResults } from './read-job-results';
import { removeIntermediates } from './remove-intermediates';

export type FinalizeOutcome =
  | { readonly kind: 'finalized'; readonly status: JobStatus; readonly summary: JobSummary }
  | { readonly kind: 'not_granted' };

/**
 * Merge a job's chunk results into its outputs, once: the job store grants one finalizer at a time.
 * The chunk files are read once, in order, into every output; outputs come from the recorded results
 * only, so a second run writes the same bytes. Then the job becomes terminal and its intermediate files
 * go.
 */
export async function finalizeJob(deps: PipelineDeps, jobId: string): Promise<FinalizeOutcome> {
  const job = await claimFinalizeOrRetryLater(deps, jobId);
  if (job === null) return { kind: 'not_granted' };
  deps.log.info('finalizing job', { jobId, chunks: job.chunksTotal, lines: job.linesTotal });

  const files = await writeResultFiles(deps, job, readJobResults(deps, job));
  const status = finalJobStatus(job, files.summary.counts());
  const now = deps.clock.now();
  const summary = await writeSummary(deps, files.summary, {
    jobId,
    status,
    startedAt: job.startedAt ?? job.createdAt,
    finishedAt: now,
    rateGate: await readRateGate(deps, job),
    ...(status === 'failed' && { error: job.error }),
  });
  const outputs = files.outputs;
  const done = await deps.jobs.transitionJob(jobId, { from: ['finalizing'], to: status, now, outputs });
  if (done === null) deps.log.warn('job left finalizing before this finalizer finished', { jobId });
  else {
    await removeIntermediates(deps, jobId);
    await publishJobFinished(deps.events, deps.log, done);
  }
  deps.log.info('job finished', { jobId, status, counts: summary.counts });
  return { kind: 'finalized', status, summary };
}

/** The rate gate of the job's model, for the summary; null (logged) when it cannot be read. */
async function readRateGate(deps: PipelineDeps, job: JobRecord): Promise<RateGateSnapshot | null> {
  const model = job.options.model ?? deps.config.defaultModel;
  try {
    return await deps.rateGates.forModel(model).snapshot();
  } catch (error) {
    deps.log.warn('could not read the rate gate for the summary', { jobId: job.jobId, error: String(error) });
    return null;
  }
}

/**
 * failed when a step stopped the job with an error while it ran (the endpoint refused every call),
 * cancelled when a cancel stopped lines, expired when the deadline did, completed otherwise (failed lines
 * included).
 */
export function finalJobStatus(
  job: Pick<JobRecord, 'cancelRequested' | 'error'>,
  counts: SummaryCounts,
): JobStatus {
  if (job.error !== null) return 'failed';
  if (job.cancelRequested && counts.cancelled > 0) return 'cancelled';
  if (counts.expired > 0) return 'expired';
  return 'completed';
}

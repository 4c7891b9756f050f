import type { JobRecord, JobStatus } from '../job/job';
import { jobKeys } from '../job/job-keys';
import { publishJobFinished } from '../ports/job-events';
import type { RateGateSnapshot } from '../rate-control/rate-gate-snapshot';
import type { JobSummary, SummaryCounts } from '../results/job-summary';
import { claimFinalizeOrRetryLater, requestFinalizeAfterLease } from './finalize-claim';
import {
  composeSegments,
  FinalizeOutOfTimeError,
  readResultFilesAhead,
  segmentCount,
  untilStopTime,
  writeMissingSegments,
} from './finalize-segments';
import { type ResultFiles, resultOutputs, writeResultBatches, writeSummary } from './job-outputs';
import type { PipelineDeps } from './pipeline-deps';
import { removeIntermediates } from './remove-intermediates';

export type FinalizeOutcome =
  | { readonly kind: 'finalized'; readonly status: JobStatus; readonly summary: JobSummary }
  /** Ran out of time: handed on to the next invocation (`continuations` so far, this one included). */
  | { readonly kind: 'continued'; readonly continuations: number }
  /** Handed on as often as allowed without finishing: the job failed `finalize_failed`. */
  | { readonly kind: 'failed' }
  | { readonly kind: 'not_granted' };

/** The invocation a finalize runs in. */
export interface FinalizeInvocation {
  /** Epoch ms by which the invocation must have returned. @default unknown: the lease is `finalizeLeaseMs` */
  readonly deadline?: number;
  /** Invocations before this one that ran out of time on this job. @default 0 */
  readonly continuations?: number;
}

/**
 * Merge a job's chunk results into its outputs, once: the job store grants one finalizer at a time, for
 * the rest of its invocation. The result lines are read once, in order, into every output; outputs come
 * from the recorded results only, so a second run writes the same bytes. Then the job becomes terminal
 * and its intermediate files go.
 *
 * Within its deadline (less `finalizeReserveMs`, at most a quarter of the time left): a job of more than
 * `finalizeSegmentChunks` chunks (or one whose finalize ran out of time before) is read once, in
 * segments, resumably — each segment's lines go into the segment file, its failed lines, OpenAI Batch
 * lines and counts into its parts; an invocation that runs out of time sends the job's finalize on to
 * the next, which skips the segments written — and the outputs are then composed from the segments and
 * their parts (server-side copies on S3) without reading a line again. A smaller job is one pass over
 * its chunk files (read ahead); a pass that runs out of time aborts its uploads and is handed on. After `maxHandoffs`
 * hand-ons the job fails `finalize_failed` rather than loop.
 */
export async function finalizeJob(
  deps: PipelineDeps,
  jobId: string,
  invocation: FinalizeInvocation = {},
): Promise<FinalizeOutcome> {
  const continuations = invocation.continuations ?? 0;
  const { deadline } = invocation;
  const leaseMs =
    deadline === undefined ? deps.config.finalizeLeaseMs : Math.max(1, deadline - deps.clock.now());
  const job = await claimFinalizeOrRetryLater(deps, jobId, { leaseMs, continuations });
  if (job === null) return { kind: 'not_granted' };
  // The reserve never takes more than a quarter of the time left (a short invocation still gets work done).
  const reserveMs =
    deadline === undefined ? 0 : Math.min(deps.config.finalizeReserveMs, (deadline - deps.clock.now()) / 4);
  const stopAt = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - reserveMs;
  const segmentChunks = deps.config.finalizeSegmentChunks;
  const segmented = (job.chunksTotal ?? 0) > segmentChunks || continuations > 0;
  deps.log.info('finalizing job', {
    jobId,
    chunks: job.chunksTotal,
    lines: job.linesTotal,
    segments: segmented ? segmentCount(job.chunksTotal ?? 0, segmentChunks) : null,
    continuations,
  });

  let files: ResultFiles;
  try {
    if (segmented) {
      const segments = await writeMissingSegments(deps, job, { segmentChunks, stopAt });
      if (segments.kind === 'out_of_time' || deps.clock.now() >= stopAt) {
        deps.log.info('finalize out of time; handing on', { jobId, ...segments });
        return handOn(deps, job, continuations);
      }
      files = { outputs: resultOutputs(job), summary: await composeSegments(deps, job, segmentChunks) };
    } else {
      const chunks = job.chunksTotal ?? 0;
      const keys = Array.from({ length: chunks }, (_, index) => jobKeys.chunkResults(jobId, index));
      const batches = readResultFilesAhead(deps, jobId, keys);
      files = await writeResultBatches(deps, job, untilStopTime(batches, deps.clock, stopAt));
    }
  } catch (error) {
    if (!(error instanceof FinalizeOutOfTimeError)) throw error;
    deps.log.info('finalize pass out of time; its uploads aborted, handing on', { jobId });
    return handOn(deps, job, continuations);
  }
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

/** Hand the finalize on to the next invocation (after this one's lease), or fail the job at the bound. */
async function handOn(deps: PipelineDeps, job: JobRecord, continuations: number): Promise<FinalizeOutcome> {
  if (continuations >= deps.config.maxHandoffs) {
    deps.log.error('finalize handed on too often; failing the job', { jobId: job.jobId, continuations });
    await deps.jobs.transitionJob(job.jobId, {
      from: ['finalizing'],
      to: 'failed',
      now: deps.clock.now(),
      error: {
        code: 'finalize_failed',
        message: `merging the results did not finish in ${continuations + 1} invocations; see the worker logs`,
      },
    });
    return { kind: 'failed' };
  }
  await requestFinalizeAfterLease(deps, job, continuations + 1);
  return { kind: 'continued', continuations: continuations + 1 };
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

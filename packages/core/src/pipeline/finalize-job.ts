import { estimateCost } from '../cost-estimate';
import type { JobOutputs, JobProgress, JobRecord, JobStatus } from '../job';
import { createSummaryBuilder, type JobSummary, type SummaryBuilder, type SummaryMeta } from '../job-summary';
import { toOpenAIBatchOutputLine } from '../openai-batch-output';
import type { RateGateSnapshot } from '../rate-control/rate-gate-snapshot';
import { QUEUE } from '../settings';
import { USAGE_FIELDS } from '../usage';
import { jobKeys } from './job-keys';
import { sumJobProgress } from './job-progress';
import type { PipelineDeps } from './pipeline-deps';
import { readJobResults } from './read-job-results';

export type FinalizeOutcome =
  | { readonly kind: 'finalized'; readonly status: JobStatus; readonly summary: JobSummary }
  | { readonly kind: 'not_granted' };

const encoder = new TextEncoder();

/**
 * Merge a job's chunk results into its outputs, once: the job store grants one finalizer at a time (a
 * lease another may take over after a crash). Outputs are written from the recorded results only, so a
 * second run writes the same bytes. Memory is bounded by one line.
 */
export async function finalizeJob(deps: PipelineDeps, jobId: string): Promise<FinalizeOutcome> {
  const job = await deps.jobs.claimFinalize(jobId, {
    now: deps.clock.now(),
    leaseMs: deps.config.finalizeLeaseMs,
  });
  if (job === null) {
    await retryWhileAnotherFinalizes(deps, jobId);
    return { kind: 'not_granted' };
  }
  deps.log.info('finalizing job', { jobId, chunks: job.chunksTotal, lines: job.linesTotal });

  const builder = createSummaryBuilder();
  await deps.output.putStream(
    jobKeys.results(jobId),
    (async function* () {
      for await (const { text, result } of readJobResults(deps, job)) {
        builder.add(result);
        yield encoder.encode(`${text}\n`);
      }
    })(),
    { contentType: 'application/x-ndjson' },
  );
  await deps.output.putStream(
    jobKeys.errors(jobId),
    (async function* () {
      for await (const { text, result } of readJobResults(deps, job)) {
        if (result.status !== 'succeeded') yield encoder.encode(`${text}\n`);
      }
    })(),
    { contentType: 'application/x-ndjson' },
  );
  const openaiBatch = job.options.openaiBatchOutput === true ? jobKeys.openaiBatch(jobId) : null;
  if (openaiBatch !== null) {
    await deps.output.putStream(
      openaiBatch,
      (async function* () {
        for await (const { result } of readJobResults(deps, job)) {
          yield encoder.encode(
            `${JSON.stringify(toOpenAIBatchOutputLine(result, { batchRequestIdPrefix: jobId, createdAt: job.createdAt }))}\n`,
          );
        }
      })(),
      { contentType: 'application/x-ndjson' },
    );
  }

  const status = finalStatus(job, builder);
  const now = deps.clock.now();
  const progress = await sumJobProgress(deps.jobs, jobId);
  const summary = buildSummaryWithCost(deps, builder, {
    jobId,
    status,
    startedAt: job.startedAt ?? job.createdAt,
    finishedAt: now,
    rateGate: await readRateGate(deps, job),
  });
  if (!progressMatchesSummary(progress, summary)) {
    // The results and the live counters come from the same records; a difference is a bug worth shouting about.
    deps.log.error('accounting mismatch between results and job counters', {
      jobId,
      progress,
      summary: summary.counts,
    });
  }
  await deps.output.put(jobKeys.summary(jobId), `${JSON.stringify(summary, null, 2)}\n`, {
    contentType: 'application/json',
  });

  const outputs: JobOutputs = {
    results: jobKeys.results(jobId),
    errors: jobKeys.errors(jobId),
    summary: jobKeys.summary(jobId),
    openaiBatch,
  };
  const done = await deps.jobs.transitionJob(jobId, { from: ['finalizing'], to: status, now, outputs });
  if (done === null) deps.log.warn('job left finalizing before this finalizer finished', { jobId });
  else await removeIntermediates(deps, jobId);
  deps.log.info('job finished', { jobId, status, counts: summary.counts });
  return { kind: 'finalized', status, summary };
}

/** The summary of the lines added to `builder`, with a cost estimate when prices are configured. */
export function buildSummaryWithCost(
  deps: Pick<PipelineDeps, 'config'>,
  builder: SummaryBuilder,
  meta: Omit<SummaryMeta, 'cost'>,
): JobSummary {
  const prices = deps.config.prices;
  if (prices === null) return builder.build({ ...meta, cost: null });
  const preliminary = builder.build({ ...meta, cost: null });
  const cost = estimateCost(preliminary.usage, prices, {
    linesWithoutUsage: preliminary.lines_with_unknown_usage,
  });
  return builder.build({ ...meta, cost });
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

/** cancelled when a cancel stopped lines, expired when the deadline did, completed otherwise (failed lines included). */
function finalStatus(job: JobRecord, builder: SummaryBuilder): JobStatus {
  const counts = builder.counts();
  if (job.cancelRequested && counts.cancelled > 0) return 'cancelled';
  if (counts.expired > 0) return 'expired';
  return 'completed';
}

/** The live counters and the merged results come from the same records: they must agree exactly. */
export function progressMatchesSummary(progress: JobProgress, summary: JobSummary): boolean {
  const counts = summary.counts;
  const sameCounts =
    progress.succeeded === counts.succeeded &&
    progress.failed === counts.failed &&
    progress.cancelled === counts.cancelled &&
    progress.expired === counts.expired &&
    progress.attempts === summary.attempts &&
    progress.retries === summary.retries;
  const sameUsage = USAGE_FIELDS.every(
    (field) =>
      progress.usage[field] === summary.usage[field] &&
      progress.usage.unknown[field] === summary.usage.unknown[field],
  );
  return sameCounts && sameUsage && progress.usage.lines_with_usage === summary.usage.lines_with_usage;
}

/**
 * Once the outputs are in place and the job is terminal (no finalizer can run again), the per-line
 * results and chunk files are only copies: delete them so a job leaves its outputs and nothing else.
 */
export async function removeIntermediates(deps: Pick<PipelineDeps, 'output'>, jobId: string): Promise<void> {
  for (const prefix of [jobKeys.linesPrefix(jobId), jobKeys.chunksPrefix(jobId)]) {
    let batch: string[] = [];
    for await (const key of deps.output.list(prefix)) {
      batch.push(key);
      if (batch.length === 1000) {
        await deps.output.delete(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await deps.output.delete(batch);
  }
}

/**
 * Refused because another finalizer holds a live lease: that one may still die, and this request may be
 * the last message for the job. Ask again once the lease has run out (a finished job ignores it).
 */
async function retryWhileAnotherFinalizes(deps: PipelineDeps, jobId: string): Promise<void> {
  const job = await deps.jobs.getJob(jobId);
  if (job === null || job.status !== 'finalizing' || job.finalizeLeaseUntil === null) return;
  const waitMs = Math.max(0, job.finalizeLeaseUntil - deps.clock.now());
  const delaySeconds = Math.min(QUEUE.maxDelaySeconds, Math.ceil(waitMs / 1000) + 1);
  await deps.queue.send([{ type: 'finalize_job', jobId }], { delaySeconds });
}

import {
  type ChunkCounters,
  estimateJobCost,
  isAwaitingUpload,
  isTerminalJobStatus,
  type JobRecord,
  JobSummary,
  PipelineError,
  parse,
  type SummaryCost,
  sumJobProgress,
} from '@thinkbatch/core';
import type { ResolvedApiDeps } from './api-deps';
import type { JobView } from './schemas/job-view';

type Deps = Pick<ResolvedApiDeps, 'jobs' | 'output' | 'clock' | 'config'>;

/** The counts behind a view, and where they come from. */
interface Counted {
  readonly basis: JobView['progress']['basis'];
  readonly counters: ChunkCounters;
  /** The summary's estimate, when the counts are the summary's. */
  readonly cost?: SummaryCost | null;
}

/**
 * A job as the API shows it. Its counts: a finished job's `summary.json` (one small read); a running
 * job's counter (`getJobProgress`, one read); for a job from before the counter, the live sum of every
 * chunk when it has at most `liveProgressMaxChunks`, else the settled counters
 * of its complete chunks, which the job record carries — so a read costs the same for a 1M-line job.
 * `cheap` (lists) always takes the job record's counters and reads nothing else.
 */
export async function describeJob(
  deps: Deps,
  job: JobRecord,
  options: { cheap?: boolean } = {},
): Promise<JobView> {
  const counted = options.cheap === true ? settled(job) : await countsOf(deps, job);
  return toJobView(deps, job, counted);
}

async function countsOf(deps: Deps, job: JobRecord): Promise<Counted> {
  if (job.outputs !== null) {
    const summary = await readSummary(deps, job.outputs.summary);
    if (summary !== null) return fromSummary(summary);
  }
  if (isTerminalJobStatus(job.status)) return settled(job);
  // The job counter: one read whatever the job's size (null for a job from before it).
  const counter = await deps.jobs.getJobProgress(job.jobId);
  if (counter !== null) return { basis: 'live', counters: counter };
  const chunks = job.chunksTotal;
  if (chunks !== null && chunks <= deps.config.liveProgressMaxChunks)
    return { basis: 'live', counters: await sumJobProgress(deps.jobs, job.jobId) };
  return settled(job);
}

function settled(job: JobRecord): Counted {
  return { basis: 'complete_chunks', counters: job.settled };
}

async function readSummary(deps: Deps, key: string): Promise<JobSummary | null> {
  const body = await deps.output.get(key);
  if (body === null) return null;
  return parse(JobSummary, JSON.parse(new TextDecoder().decode(body)), `summary ${key}`, PipelineError);
}

function fromSummary(summary: JobSummary): Counted {
  const { counts } = summary;
  return {
    basis: 'summary',
    counters: {
      succeeded: counts.succeeded,
      failed: counts.failed,
      cancelled: counts.cancelled,
      expired: counts.expired,
      attempts: summary.attempts,
      retries: summary.retries,
      usage: summary.usage,
    },
    cost: summary.cost,
  };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function toJobView(deps: Deps, job: JobRecord, counted: Counted): JobView {
  const { counters } = counted;
  const now = deps.clock.now();
  const done = counters.succeeded + counters.failed + counters.cancelled + counters.expired;
  const terminal = isTerminalJobStatus(job.status);
  const since = job.startedAt ?? job.createdAt;
  const elapsedMs = Math.max(0, (job.finishedAt ?? now) - since);
  const linesPerMinute = done > 0 && elapsedMs > 0 ? (done * 60_000) / elapsedMs : null;
  const tokensPerSecond =
    counters.usage.completion_tokens > 0 && elapsedMs > 0
      ? (counters.usage.completion_tokens * 1000) / elapsedMs
      : null;
  const remaining = job.linesTotal === null ? null : Math.max(0, job.linesTotal - done);
  const eta =
    !terminal && remaining !== null && linesPerMinute !== null
      ? now + Math.round((remaining / linesPerMinute) * 60_000)
      : null;
  const awaiting = isAwaitingUpload(job.input);
  return {
    id: job.jobId,
    status: job.status,
    created_at: new Date(job.createdAt).toISOString(),
    updated_at: new Date(job.updatedAt).toISOString(),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    input: { key: job.input.key, bytes: awaiting ? null : job.input.size, uploaded: !awaiting },
    options: job.options,
    metadata: job.metadata,
    parent_job_id: job.parentJobId,
    cancel_requested: job.cancelRequested,
    error: job.error,
    progress: {
      basis: counted.basis,
      lines_total: job.linesTotal,
      lines_done: done,
      succeeded: counters.succeeded,
      failed: counters.failed,
      cancelled: counters.cancelled,
      expired: counters.expired,
      chunks_total: job.chunksTotal,
      chunks_done: job.chunksDone,
      attempts: counters.attempts,
      retries: counters.retries,
    },
    tokens: counters.usage,
    cost: counted.cost !== undefined ? counted.cost : runningCost(deps, job, counters),
    throughput: {
      lines_per_minute: round3(linesPerMinute),
      completion_tokens_per_second: round3(tokensPerSecond),
    },
    eta: iso(eta),
  };
}

/** The counted tokens at the prices of the job's model (a running job's lines are not split by model yet). */
function runningCost(deps: Deps, job: JobRecord, counters: ChunkCounters): SummaryCost | null {
  const { prices, defaultModel } = deps.config;
  if (prices === null) return null;
  const model = job.options.model ?? defaultModel;
  return estimateJobCost(new Map([[model, counters.usage]]), prices);
}

function round3(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}

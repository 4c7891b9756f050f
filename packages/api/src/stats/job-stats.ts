import {
  createLatencyHistogram,
  type JobRecord,
  JobSummary,
  PipelineError,
  parse,
  type ResultLine,
} from '@thinkbatch/core';
import type { ResolvedApiDeps } from '../api-deps';
import type { FailedLine, JobStats } from '../schemas/job-stats';
import { latencyBuckets } from './latency-buckets';
import { sampleRecordedLines } from './sample-recorded-lines';
import { headOfResultsFile, sampleResultsFile } from './sample-results-file';

type Deps = Pick<ResolvedApiDeps, 'jobs' | 'output'>;

/**
 * What one stats answer reads at most: 16 windows of 256 KiB of results.jsonl and 256 KiB of errors.jsonl
 * (a finished job: wide enough for R1-sized lines of tens of KB each), or 16 chunk records and 100 result
 * objects (a running one, which a page polls).
 */
export const STATS_SAMPLE_LIMITS = {
  fileWindows: 16,
  windowBytes: 256 * 1024,
  errorsHeadBytes: 256 * 1024,
  chunks: 16,
  recordedLines: 100,
  failedLines: 50,
} as const;

/** Latency and failures of a job, from a bounded sample of its finished lines (exact from its summary once it has one). */
export async function jobStats(deps: Deps, job: JobRecord): Promise<JobStats> {
  const limits = STATS_SAMPLE_LIMITS;
  const summary = job.outputs === null ? null : await readSummary(deps, job.outputs.summary);
  const sample =
    job.outputs !== null
      ? await sampleResultsFile(deps.output, job.outputs.results, {
          windows: limits.fileWindows,
          windowBytes: limits.windowBytes,
        })
      : await sampleRecordedLines(deps, job, { chunks: limits.chunks, lines: limits.recordedLines });
  const failedSource =
    job.outputs !== null
      ? await headOfResultsFile(deps.output, job.outputs.errors, limits.errorsHeadBytes)
      : sample;
  const latencies = sample.flatMap((line) => (line.latency_ms === null ? [] : [line.latency_ms]));
  return {
    job_id: job.jobId,
    status: job.status,
    sample: {
      lines: sample.length,
      source: sample.length === 0 ? 'none' : job.outputs !== null ? 'results_file' : 'recorded_lines',
    },
    latency: {
      histogram: latencyBuckets(latencies),
      percentiles: summary !== null ? summary.timings.latency_ms : percentilesOf(latencies),
      percentiles_basis: summary !== null ? 'summary' : 'sample',
    },
    failures: {
      by_code: summary !== null ? summary.failed_by_code : failedByCode(sample),
      by_code_basis: summary !== null ? 'summary' : 'sample',
      lines: failedSource.filter(isFailed).slice(0, limits.failedLines).map(toFailedLine),
    },
  };
}

const isFailed = (line: ResultLine): boolean => line.status === 'failed';

function failedByCode(lines: readonly ResultLine[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines.filter(isFailed)) {
    const code = line.error?.code ?? 'unknown';
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}

function toFailedLine(line: ResultLine): FailedLine {
  return {
    line: line.line,
    custom_id: line.custom_id,
    code: line.error?.code ?? 'unknown',
    message: line.error?.message ?? '',
    http_status: line.error?.http_status ?? null,
  };
}

function percentilesOf(latencies: readonly number[]) {
  const histogram = createLatencyHistogram();
  for (const ms of latencies) histogram.record(ms);
  return histogram.percentiles();
}

async function readSummary(deps: Deps, key: string): Promise<JobSummary | null> {
  const body = await deps.output.get(key);
  if (body === null) return null;
  return parse(JobSummary, JSON.parse(new TextDecoder().decode(body)), `summary ${key}`, PipelineError);
}

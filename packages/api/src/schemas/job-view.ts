import { z } from 'zod';
import {
  CostEstimateComponent,
  Instant,
  JobErrorComponent,
  JobMetadataComponent,
  JobOptionsComponent,
  JobStatusComponent,
  orNull,
  TokenTotalsComponent,
} from './components';

/** Where a job's counts come from. */
export const ProgressBasis = z.enum(['live', 'complete_chunks', 'summary']).meta({
  id: 'ProgressBasis',
  description:
    '`live`: every chunk of the job summed now (exact). `complete_chunks`: the lines of the chunks that are complete (exact for them; lines of chunks still running are not counted yet) — large running jobs, so a read costs the same however large the job. `summary`: the final counts of `summary.json`.',
});

export const JobProgressView = z
  .object({
    basis: ProgressBasis,
    /** Non-blank input lines; null until fan-out has read the whole input. */
    lines_total: z.number().int().nonnegative().nullable(),
    lines_done: z.number().int().nonnegative(),
    succeeded: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    cancelled: z.number().int().nonnegative(),
    expired: z.number().int().nonnegative(),
    chunks_total: z.number().int().nonnegative().nullable(),
    chunks_done: z.number().int().nonnegative(),
    /** Endpoint calls of the counted lines, retries included. */
    attempts: z.number().int().nonnegative(),
    retries: z.number().int().nonnegative(),
  })
  .meta({ id: 'JobProgress', description: 'Counts by line status; `basis` says how complete they are.' });
export type JobProgressView = z.infer<typeof JobProgressView>;

export const Throughput = z
  .object({
    /** Lines finished per minute since the job started; null before any. */
    lines_per_minute: z.number().nonnegative().nullable(),
    /** Completion tokens (reasoning included) per second since the job started; null before any. */
    completion_tokens_per_second: z.number().nonnegative().nullable(),
  })
  .meta({ id: 'Throughput' });

/** A job as the API shows it. */
export const JobView = z
  .object({
    id: z.string(),
    status: JobStatusComponent,
    created_at: Instant,
    updated_at: Instant,
    started_at: Instant.nullable(),
    finished_at: Instant.nullable(),
    input: z.object({
      /** Object key in the input bucket (`GET /v1/jobs?input_key=` finds the job by it). */
      key: z.string(),
      /** Size in bytes; null while the input awaits its upload. */
      bytes: z.number().int().nonnegative().nullable(),
      uploaded: z.boolean(),
    }),
    options: JobOptionsComponent,
    metadata: JobMetadataComponent,
    /** The job this one retries, or null. */
    parent_job_id: z.string().nullable(),
    cancel_requested: z.boolean(),
    /** Why a `failed` job failed as a whole; null otherwise. */
    error: orNull(JobErrorComponent),
    progress: JobProgressView,
    /** Exact token sums of the counted lines; `unknown` counts lines that did not report a field. */
    tokens: TokenTotalsComponent,
    /**
     * Estimated cost in USD when prices are configured: the summary's (per model) once the job ended, the
     * counted tokens at the prices of the job's model while it runs.
     */
    cost: orNull(CostEstimateComponent),
    throughput: Throughput,
    /** When the job should finish at its throughput so far; null when finished or unknown. */
    eta: Instant.nullable(),
  })
  .meta({ id: 'Job' });
export type JobView = z.infer<typeof JobView>;

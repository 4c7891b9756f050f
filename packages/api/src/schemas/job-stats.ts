import { JobStatus, LatencyPercentiles, LineErrorCode } from '@thinkbatch/core';
import { z } from 'zod';
import { orNull } from './components';

const Count = z.number().int().nonnegative();

/** One bar of the latency histogram: lines whose latency was in [from_ms, to_ms). */
export const LatencyBucket = z.object({ from_ms: Count, to_ms: Count.nullable(), lines: Count }).meta({
  id: 'LatencyBucket',
  description: 'Lines with latency in [from_ms, to_ms); to_ms null: no bound.',
});
export type LatencyBucket = z.infer<typeof LatencyBucket>;

/** One failed line, as the failure list shows it. */
export const FailedLine = z
  .object({
    line: z.number().int().positive(),
    custom_id: z.string(),
    code: LineErrorCode.or(z.literal('unknown')),
    message: z.string(),
    http_status: z.number().int().nullable(),
  })
  .meta({ id: 'FailedLine' });
export type FailedLine = z.infer<typeof FailedLine>;

/** Where figures come from: the finished job's summary (exact), or the sample of lines. */
const Basis = z.enum(['summary', 'sample']);

export const JobStats = z
  .object({
    job_id: z.string(),
    status: JobStatus,
    sample: z.object({
      /** Finished lines read for this answer (bounded, whatever the job's size). */
      lines: Count,
      /** `results_file`: windows spread over results.jsonl; `recorded_lines`: lines of chunks spread over the job. */
      source: z.enum(['results_file', 'recorded_lines', 'none']),
    }),
    latency: z.object({
      /** Histogram of the sampled lines that made endpoint calls, on fixed edges. */
      histogram: z.array(LatencyBucket),
      percentiles: orNull(LatencyPercentiles),
      percentiles_basis: Basis,
    }),
    failures: z.object({
      /** Failed lines by error code: exact from the summary once the job finished, else of the sample. */
      by_code: z.record(z.string(), Count),
      by_code_basis: Basis,
      /** Some failed lines (the first of errors.jsonl once finished, else of the sample), at most 50. */
      lines: z.array(FailedLine),
    }),
  })
  .meta({
    id: 'JobStats',
    description:
      'Latency distribution and failures of a job, from a bounded sample of its finished lines (exact figures from summary.json once it finished): the same cost for a job of any size.',
  });
export type JobStats = z.infer<typeof JobStats>;

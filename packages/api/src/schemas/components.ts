import {
  JOB_ID_PATTERN,
  JobError,
  JobMetadata,
  JobOptions,
  JobStatus,
  LineStatus,
  ResultLine,
  SummaryCost,
  UsageTotals,
} from '@thinkbatch/core';
import { z } from 'zod';

// The core's schemas, named once as components of the OpenAPI document (a name may be registered once).

export const JobStatusComponent = JobStatus.meta({ id: 'JobStatus' });
export const LineStatusComponent = LineStatus.meta({ id: 'LineStatus' });
export const JobOptionsComponent = JobOptions.meta({
  id: 'JobOptions',
  description: 'Options of a job (the same as the `thinkbatch-options` upload metadata).',
});
export const JobMetadataComponent = JobMetadata.meta({
  id: 'JobMetadata',
  description:
    'Labels of the submitter, returned as given: up to 16 pairs, keys 1–64 characters, values up to 512.',
});
export const JobErrorComponent = JobError.meta({ id: 'JobError' });
export const TokenTotalsComponent = UsageTotals.meta({ id: 'TokenTotals' });
export const CostEstimateComponent = SummaryCost.meta({ id: 'CostEstimate' });
export const ResultLineComponent = ResultLine.meta({
  id: 'ResultLine',
  description: 'One line of results.jsonl.',
});

/** A job id in a path: checked before it reaches a key or a query. */
export const JobIdParam = z
  .string()
  .regex(JOB_ID_PATTERN, 'a job id is 1–64 characters of [A-Za-z0-9_-]')
  .meta({ description: 'Job id: 1–64 characters of [A-Za-z0-9_-].', example: 'job_20260101120000_1a2b3c4d' });

/** An instant, ISO 8601 in UTC. */
export const Instant = z.iso.datetime().meta({ example: '2026-01-01T12:00:00.000Z' });

/** A client's key that makes a create or retry safe to repeat: the same key names the same job. */
export const IdempotencyKeyHeader = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .optional()
  .meta({
    description:
      'Repeat the request safely: the same key returns the same job (200) instead of creating another; the same key with another body is 409 `conflict`.',
    example: '2f8c1e4e-7d1b-4c38-9c7e-0b6a4f1d2e3a',
  });

/** A short-lived download link. */
export const Link = z
  .object({ url: z.url(), expires_at: Instant })
  .meta({ id: 'Link', description: 'A presigned download link; no token needed until it expires.' });

/**
 * `schema` or null. For a named component use this, never `.nullable()`: the OpenAPI generator would mark
 * the component itself nullable everywhere and drop the null here.
 */
export function orNull<S extends z.ZodType>(schema: S) {
  return z.union([schema, z.null()]);
}

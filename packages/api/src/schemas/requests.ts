import { JobStatus } from '@thinkbatch/core';
import { z } from 'zod';
import {
  Instant,
  JobMetadataComponent,
  JobOptionsComponent,
  LineStatusComponent,
  Link,
  orNull,
  ResultLineComponent,
} from './components';
import { JobView } from './job-view';

/** The JSONL file in the request itself (small files). */
export const InlineInput = z
  .object({
    type: z.literal('inline'),
    /** The JSONL text; at most the API's `maxInlineBytes` (4 MiB by default) in UTF-8. */
    content: z.string(),
  })
  .meta({
    id: 'InlineInput',
    description: 'The JSONL file in the request (up to 4 MiB by default; larger → 413).',
  });

/** The file comes later, through a presigned upload slot the response carries (large files). */
export const UploadInput = z.object({ type: z.literal('upload') }).meta({
  id: 'UploadInput',
  description: 'The file is uploaded afterwards with one PUT to `upload.url`, sending `upload.headers`.',
});

export const CreateJobRequest = z
  .object({
    input: z.discriminatedUnion('type', [InlineInput, UploadInput]),
    options: JobOptionsComponent.optional(),
    metadata: JobMetadataComponent.optional(),
  })
  .meta({ id: 'CreateJobRequest' });
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;

/** Where and how to upload a job's input: one PUT of the whole file with exactly these headers. */
export const UploadSlot = z
  .object({
    method: z.literal('PUT'),
    url: z.url(),
    headers: z.record(z.string(), z.string()),
    expires_at: Instant,
  })
  .meta({ id: 'UploadSlot', description: 'A presigned upload; the job starts when the file has arrived.' });

export const CreateJobResponse = z
  .object({ job: JobView, upload: orNull(UploadSlot) })
  .meta({ id: 'CreateJobResponse' });

/** An opaque position in a list, from a previous page's `next_cursor`. */
const Cursor = z.string().min(1).max(200).meta({ description: 'The `next_cursor` of the previous page.' });

const PageSize = (max: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .optional()
    .meta({ description: `Items per page, 1–${max}.` });

export const ListJobsQuery = z.object({
  status: JobStatus.optional().meta({ description: 'Only jobs in this status.' }),
  input_key: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^\P{Cc}+$/u, 'no control characters')
    .optional()
    .meta({
      description:
        'Only jobs of this input object key, e.g. `inputs/prompts.jsonl` (an upload to S3 is found by its key).',
    }),
  limit: PageSize(100),
  cursor: Cursor.optional(),
});

export const JobList = z
  .object({ data: z.array(JobView), next_cursor: z.string().nullable() })
  .meta({ id: 'JobList', description: 'Jobs, newest first.' });

export const ResultsQuery = z.object({
  limit: PageSize(1000),
  cursor: Cursor.optional(),
});

export const ResultFiles = z
  .object({
    results: Link,
    errors: Link,
    summary: Link,
    openai_batch: orNull(Link),
  })
  .meta({
    id: 'ResultFiles',
    description: 'The job’s output files (results.jsonl, errors.jsonl, summary.json, …).',
  });

export const ResultLinesPage = z
  .object({ data: z.array(ResultLineComponent), next_cursor: z.string().nullable() })
  .meta({
    id: 'ResultLinesPage',
    description:
      'Lines finished so far, in input order within each chunk; `next_cursor` continues after them (it may return nothing yet while the job runs).',
  });

export const JobResults = z
  .object({
    job_id: z.string(),
    status: JobStatus,
    /** Links to the output files once the job has them; null before. */
    files: orNull(ResultFiles),
    /** While the job has no output files: the lines finished so far. Null once it has files. */
    lines: orNull(ResultLinesPage),
  })
  .meta({ id: 'JobResults' });

export const RetryJobRequest = z
  .object({
    statuses: z.array(LineStatusComponent).min(1).optional().meta({
      description:
        'Run again the lines that ended in these statuses. Default `["failed"]`; lines that failed on their input (invalid JSON, …) are never retried.',
    }),
    options: JobOptionsComponent.optional().meta({
      description: 'Options of the retry; default: the parent’s, without its deadline.',
    }),
    metadata: JobMetadataComponent.optional(),
  })
  .meta({ id: 'RetryJobRequest' });
export type RetryJobRequest = z.infer<typeof RetryJobRequest>;

export const RetryJobResponse = z.object({ job: JobView }).meta({ id: 'RetryJobResponse' });

export const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

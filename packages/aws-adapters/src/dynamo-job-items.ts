import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ChunkCounters, JobRecord, UsageField } from '@thinkbatch/core';
import { ChunkRecord, JobRecord as JobRecordSchema, JobStoreError, USAGE_FIELDS } from '@thinkbatch/core';
import { STORAGE } from '@thinkbatch/core/settings';

/**
 * Item layout of the job table (one partition per job, single-item updates only):
 *
 * - job:   pk `JOB#<jobId>`, sk `JOB`; the JobRecord's fields as top-level attributes (null fields are
 *   absent, so `if_not_exists` can set them once), plus `completedChunks` (number set of chunk indexes
 *   counted into `chunksDone`).
 * - chunk: pk `JOB#<jobId>`, sk `CHUNK#<index, 8 digits>`; `jobId`, `index`, `lines` (list, input order),
 *   `lineSet` (number set, for `contains`), `recorded` and `attempts` (maps keyed by line number),
 *   `enqueued`, and the counters as flat numbers: `c_<status>`, `c_attempts`, `c_retries`,
 *   `u_<usage field>`, `u_lines_with_usage`, `unk_<usage field>` (top-level `ADD` only, which every
 *   DynamoDB implementation supports; nested paths would also need their parent maps to exist).
 *
 * Item size (400 KB limit): a job item holds `completedChunks` at ~4 bytes per index, so well over 80,000
 * chunks. A chunk item costs ~(40 + resultKey length) bytes per line, so a 500-line chunk with 200-byte
 * result keys is ~120 KB; keep `lines × resultKey length` under ~300 KB.
 */
export type Item = Record<string, AttributeValue>;

export const JOB_SORT_KEY = 'JOB';
export const CHUNK_SORT_PREFIX = 'CHUNK#';
/** Chunk indexes are zero-padded to this many digits so the sort key orders numerically. */
const INDEX_DIGITS = 8;

export const PK = STORAGE.tablePartitionKey;
export const SK = STORAGE.tableSortKey;

export function jobPartition(jobId: string): string {
  return `JOB#${jobId}`;
}

export function chunkSortKey(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 10 ** INDEX_DIGITS) {
    throw new RangeError(`chunk index must be an integer in 0..${10 ** INDEX_DIGITS - 1}, got ${index}`);
  }
  return `${CHUNK_SORT_PREFIX}${String(index).padStart(INDEX_DIGITS, '0')}`;
}

export function jobKey(jobId: string): Item {
  return marshall({ [PK]: jobPartition(jobId), [SK]: JOB_SORT_KEY });
}

export function chunkKey(jobId: string, index: number): Item {
  return marshall({ [PK]: jobPartition(jobId), [SK]: chunkSortKey(index) });
}

/** Job fields stored only when not null. */
const NULLABLE_JOB_FIELDS = [
  'chunksTotal',
  'linesTotal',
  'finalizeLeaseUntil',
  'error',
  'outputs',
  'startedAt',
  'finishedAt',
] as const satisfies readonly (keyof JobRecord)[];

export function jobToItem(job: JobRecord): Item {
  const fields: Record<string, unknown> = { ...job, [PK]: jobPartition(job.jobId), [SK]: JOB_SORT_KEY };
  for (const field of NULLABLE_JOB_FIELDS) if (fields[field] === null) delete fields[field];
  return marshall(fields, { removeUndefinedValues: true });
}

export function jobFromItem(item: Item): JobRecord {
  const fields = unmarshall(item);
  for (const field of NULLABLE_JOB_FIELDS) fields[field] ??= null;
  const parsed = JobRecordSchema.safeParse(fields);
  if (!parsed.success) throw invalidStored(`job ${String(fields['jobId'])}`, parsed.error);
  return parsed.data;
}

/** Flat attribute names of the chunk counters. */
export const COUNTER_ATTRIBUTE = {
  succeeded: 'c_succeeded',
  failed: 'c_failed',
  cancelled: 'c_cancelled',
  expired: 'c_expired',
  attempts: 'c_attempts',
  retries: 'c_retries',
  linesWithUsage: 'u_lines_with_usage',
} as const;

export function usageAttribute(field: UsageField): string {
  return `u_${field}`;
}

export function unknownUsageAttribute(field: UsageField): string {
  return `unk_${field}`;
}

/** A new chunk item: nothing recorded, every counter 0. */
export function newChunkItem(jobId: string, index: number, lines: readonly number[]): Item {
  const fields: Record<string, unknown> = {
    [PK]: jobPartition(jobId),
    [SK]: chunkSortKey(index),
    jobId,
    index,
    lines: [...lines],
    recorded: {},
    attempts: {},
    enqueued: false,
  };
  // A number set cannot be empty: a chunk without lines simply has no lineSet (no line belongs to it).
  if (lines.length > 0) fields['lineSet'] = new Set(lines);
  for (const attribute of Object.values(COUNTER_ATTRIBUTE)) fields[attribute] = 0;
  for (const field of USAGE_FIELDS) {
    fields[usageAttribute(field)] = 0;
    fields[unknownUsageAttribute(field)] = 0;
  }
  return marshall(fields);
}

export function chunkFromItem(item: Item): ChunkRecord {
  const fields = unmarshall(item);
  const number = (attribute: string): unknown => fields[attribute];
  const usage: Record<string, unknown> = { lines_with_usage: number(COUNTER_ATTRIBUTE.linesWithUsage), unknown: {} };
  const unknown: Record<string, unknown> = {};
  for (const field of USAGE_FIELDS) {
    usage[field] = number(usageAttribute(field));
    unknown[field] = number(unknownUsageAttribute(field));
  }
  usage['unknown'] = unknown;
  const counters: Record<keyof ChunkCounters, unknown> = {
    succeeded: number(COUNTER_ATTRIBUTE.succeeded),
    failed: number(COUNTER_ATTRIBUTE.failed),
    cancelled: number(COUNTER_ATTRIBUTE.cancelled),
    expired: number(COUNTER_ATTRIBUTE.expired),
    attempts: number(COUNTER_ATTRIBUTE.attempts),
    retries: number(COUNTER_ATTRIBUTE.retries),
    usage,
  };
  const record = {
    jobId: fields['jobId'],
    index: fields['index'],
    lines: fields['lines'],
    recorded: fields['recorded'],
    attempts: fields['attempts'],
    enqueued: fields['enqueued'],
    counters,
  };
  const parsed = ChunkRecord.safeParse(record);
  if (!parsed.success) throw invalidStored(`chunk ${String(fields['index'])} of job ${String(fields['jobId'])}`, parsed.error);
  return parsed.data;
}

interface SchemaError extends Error {
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
}

function invalidStored(what: string, error: SchemaError): JobStoreError {
  const issues = error.issues.map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`).join('; ');
  return new JobStoreError(`stored ${what} is not valid: ${issues}`, { cause: error });
}

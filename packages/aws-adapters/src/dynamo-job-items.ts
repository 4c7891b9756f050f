import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ChunkCounters, JobRecord, UsageField } from '@thinkbatch/core';
import {
  ChunkRecord,
  createChunkRecord,
  ErrorCode,
  isTerminalJobStatus,
  JobRecord as JobRecordSchema,
  JobStoreError,
  jobListPosition,
  parse,
  USAGE_FIELDS,
} from '@thinkbatch/core';
import { STORAGE } from '@thinkbatch/core/settings';

/**
 * Item layout of the job table (one partition per job, single-item updates only):
 *
 * - job:   pk `JOB#<jobId>`, sk `JOB`; the JobRecord's fields as top-level attributes (null fields are
 *   absent, so `if_not_exists` can set them once) except `settled`, kept as the same flat counters a
 *   chunk has (below; chunk completions ADD a chunk's counters to them), plus `completedChunks` and the
 *   markers `d_<g>` (see "Completion"), and `unfinished` = `JOB` while the job is not
 *   terminal: the key of the sparse index `STORAGE.unfinishedJobsIndex` (KEYS_ONLY), removed by the
 *   transition to a terminal status, so the index holds unfinished jobs only. One index partition: its
 *   items change only when a job starts or ends, so that is fine for any realistic number of jobs in
 *   flight. `createdKey` (`jobListPosition`) and `inputKey` (the input's object key) are written at
 *   creation and never change: with `status` they key the job-list indexes `STORAGE.jobsByStatusIndex`
 *   (`status`, `createdKey`) and `STORAGE.jobsByInputIndex` (`inputKey`, `createdKey`), both KEYS_ONLY,
 *   so only a status change writes to an index. Chunk items have none of these attributes.
 * - chunk: pk `JOB#<jobId>`, sk `CHUNK#<index, 8 digits>`; `jobId`, `index`, `lineSet` (number set: for
 *   `contains`, and sorted it is the lines in input order, which ascend; a `lines` list is stored only for
 *   lines that do not ascend, and items written before this kept both), `recorded`, `attempts` and `leases` (maps keyed by line
 *   number; they exist from creation, as a nested `SET` needs its parent map), `enqueued`, and the counters as flat numbers: `c_<status>`, `c_attempts`, `c_retries`,
 *   `u_<usage field>`, `u_lines_with_usage`, `unk_<usage field>` (top-level `ADD` only, which every
 *   DynamoDB implementation supports; nested paths would also need their parent maps to exist). A
 *   counter is absent until something is added to it, and read as 0 then (`ADD` creates a missing
 *   number): a new chunk item carries none of the ~19 zeros, less to validate and store per item;
 *   items written before carry them, read the same.
 * - completion group: pk `JOB#<jobId>`, sk `DONE#<g>` for the chunks g × G … g × G + G − 1 (G =
 *   {@link CHUNKS_PER_DONE_GROUP}): `chunks` (number set of the chunks counted), `added` (how many),
 *   pending counters (`chunksDone` and the flat counters added and not yet taken by a push), `pushSeq`
 *   and `pushing` (JSON `{ seq, delta }`, the last push). Written by `dynamo-job-store-completion.ts`.
 *
 * Completion (exactly once, no transactions, every item of bounded size). A complete chunk's counters
 * are final. (1) Its group item, conditional `NOT contains(chunks, i)`, ADDs i, `added` 1 and the
 * chunk's counters to the pending counters; (2) a push takes the pending counters as read into an intent
 * (`pushing` = { seq, delta }, `pushSeq` + 1, the delta subtracted from the pending counters; conditional
 * on `pushSeq` as read, so two pushers never take the same counters, and counters added meanwhile stay
 * pending); (3) the job item, conditional on its marker `d_<g>` < seq, ADDs the delta to `chunksDone` and
 * the settled counters and sets `d_<g>` = seq. A push is begun only once the group's last intent is known
 * applied — applied by this process, or applied by it again and then accepted or refused by the marker
 * (a refusal proves it was applied: markers only move by applying intents, one at a time) — so intents
 * reach the job in order and an intent is never cleared: the next overwrites it. A completion runs (2)
 * and (3) until a read of the group shows its chunk taken by an intent (`added` − pending `chunksDone` ≥
 * the `added` it saw after (1)) and that intent applied. A process that applied the group's last push
 * (seq s) may do (1) and (2) in one write for its chunk alone — ADD i to `chunks` and set the intent
 * of this chunk's counters, conditional `NOT contains(chunks, i) AND pushSeq = s` — bypassing `added`
 * and the pending counters (which count queued chunks only, so a queued chunk's test stays exact); a
 * refusal falls back to (1). Hence: a crash after (1) leaves the chunk
 * pending, a crash after (2) leaves an intent, and the next completer of the group — or the redelivered
 * chunk, whose (1) is refused — applies them; a duplicate or late completion is refused at (1) and at
 * worst re-applies an intent the marker refuses; concurrent completers race only at (2), where the loser
 * reads the group again. `chunksDone` and `settled` on the job item are exact once every push is applied,
 * which every completer waits for; the job item carries one marker per group, not one number per chunk.
 * `completedChunks` on a job item tells how it counts: a number, G (jobs created since the groups; ADDing
 * a number set to it fails, so a worker of the older version cannot count a chunk of such a job the old
 * way); a number set, or absent, on a job created before: the chunk indexes counted so far, kept and
 * completed as before (`ADD chunksDone 1, completedChunks {i}` conditional `NOT contains`).
 *
 * Item size (400 KB limit). Job item: ~1–2 KB of fields plus ~8 bytes per group marker (90 at 90,000
 * chunks); group item: ≤ G indexes at ≤ 5 bytes (~5 KB) plus ~0.5 KB of counters and ~0.5 KB of intent.
 * Neither bounds a job any more; progress shards do (`dynamo-job-progress.ts`: ~10 bytes per chunk in
 * each of 16 shards, ~56 KB per shard at 90,000 chunks, ~580,000 chunks to reach 400 KB). Chunk item:
 * ~55 bytes per line plus its result key (the pipeline's keys are ~85
 * bytes), so ~140 B per line: the 500-line maximum of `linesPerChunk` is ~70 KB, the hard limit ~2,800 lines.
 * A lease adds ~30 bytes plus its holder while its line runs; recording the line drops it.
 */
export type Item = Record<string, AttributeValue>;

/** Sort key of the job item. */
export const JOB_SORT_KEY = 'JOB';
/** Sort key prefix of chunk items (`Query begins_with`). */
export const CHUNK_SORT_PREFIX = 'CHUNK#';
/** Chunk indexes are zero-padded to this many digits so the sort key orders numerically. */
const INDEX_DIGITS = 8;

/** Chunks per completion group item (`DONE#<g>`); new job items carry it as `completedChunks`. */
export const CHUNKS_PER_DONE_GROUP = 1_000;
/** Job item attribute: how the job counts its chunks (see "Completion" above). */
export const COMPLETED_CHUNKS = 'completedChunks';
/** Prefix of the job item's per-group markers: `d_<g>` = the last push of group g applied. */
const DONE_MARKER_PREFIX = 'd_';

/** The job item's marker of completion group `group`. */
export function doneMarkerAttribute(group: number): string {
  return `${DONE_MARKER_PREFIX}${group}`;
}

/** The completion group size of a job item, or null for a job counting chunks in its own set (an older job). */
export function completionGroupSize(item: Item): number | null {
  const value = item[COMPLETED_CHUNKS]?.N;
  if (value === undefined) return null;
  const size = Number(value);
  if (!Number.isSafeInteger(size) || size < 1)
    throw new JobStoreError(`job item: completedChunks ${value} is not a group size`);
  return size;
}

/** Hash key attribute of the sparse index of unfinished jobs. */
export const UNFINISHED = STORAGE.unfinishedJobsKey;
/** Its only value: every unfinished job is under it. */
export const UNFINISHED_MARK = 'JOB';

/** Sort key attribute of the job-list indexes: `jobListPosition` of the job. */
export const CREATED_KEY = STORAGE.jobCreatedKey;
/** Hash key attribute of the index of jobs by input key. */
export const INPUT_KEY = STORAGE.jobInputKey;
/** Hash key attribute of the index of jobs by status: the job's own `status`. */
export const STATUS_KEY = 'status';

/** Partition key attribute name. */
export const PK = STORAGE.tablePartitionKey;
/** Sort key attribute name. */
export const SK = STORAGE.tableSortKey;

/** Partition key value of everything that belongs to one job. */
export function jobPartition(jobId: string): string {
  return `JOB#${jobId}`;
}

/** Sort key of a chunk: `CHUNK#` and the index zero-padded to 8 digits (so keys sort numerically). */
export function chunkSortKey(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 10 ** INDEX_DIGITS) {
    throw new JobStoreError(`chunk index must be an integer in 0..${10 ** INDEX_DIGITS - 1}, got ${index}`, {
      code: ErrorCode.invalidValue,
    });
  }
  return `${CHUNK_SORT_PREFIX}${String(index).padStart(INDEX_DIGITS, '0')}`;
}

/** Key of the job item. */
export function jobKey(jobId: string): Item {
  return marshall({ [PK]: jobPartition(jobId), [SK]: JOB_SORT_KEY });
}

/** Key of a chunk item. */
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
  'parentJobId',
  'requestFingerprint',
] as const satisfies readonly (keyof JobRecord)[];

/** The job item for a record (null fields left out, `settled` as flat counters). */
export function jobToItem(job: JobRecord): Item {
  const { settled, ...record } = job;
  const fields: Record<string, unknown> = {
    ...record,
    ...counterAttributes(settled),
    [PK]: jobPartition(job.jobId),
    [SK]: JOB_SORT_KEY,
    [CREATED_KEY]: jobListPosition(job),
    [INPUT_KEY]: job.input.key,
    [COMPLETED_CHUNKS]: CHUNKS_PER_DONE_GROUP,
  };
  for (const field of NULLABLE_JOB_FIELDS) if (fields[field] === null) delete fields[field];
  if (!isTerminalJobStatus(job.status)) fields[UNFINISHED] = UNFINISHED_MARK;
  return marshall(fields, { removeUndefinedValues: true });
}

/** The record of a job item, validated; a corrupt item throws `JobStoreError`. */
export function jobFromItem(item: Item): JobRecord {
  // Not part of the record: `completedChunks` (an older job's set holds up to ~90,000 numbers: not
  // unmarshalled) and the completion markers.
  const recordAttributes: Item = {};
  for (const [name, value] of Object.entries(item))
    if (name !== COMPLETED_CHUNKS && !name.startsWith(DONE_MARKER_PREFIX)) recordAttributes[name] = value;
  const fields = unmarshall(recordAttributes);
  for (const field of NULLABLE_JOB_FIELDS) fields[field] ??= null;
  // Items from before the settled counters lack some or all of them (ADD creates only those it adds): 0.
  fields['settled'] = countersFromFields(fields, 0);
  return parse(JobRecordSchema, fields, `stored job ${String(fields['jobId'])}`, JobStoreError);
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

/** Flat attribute holding the sum of one usage field. */
export function usageAttribute(field: UsageField): string {
  return `u_${field}`;
}

/** Flat attribute counting lines that carried usage without this field. */
export function unknownUsageAttribute(field: UsageField): string {
  return `unk_${field}`;
}

/** The chunk counters as their flat attributes (`c_failed`, `u_prompt_tokens`, `unk_reasoning_tokens`, …). */
export function counterAttributes(counters: ChunkCounters): Record<string, number> {
  const attributes: Record<string, number> = {
    [COUNTER_ATTRIBUTE.succeeded]: counters.succeeded,
    [COUNTER_ATTRIBUTE.failed]: counters.failed,
    [COUNTER_ATTRIBUTE.cancelled]: counters.cancelled,
    [COUNTER_ATTRIBUTE.expired]: counters.expired,
    [COUNTER_ATTRIBUTE.attempts]: counters.attempts,
    [COUNTER_ATTRIBUTE.retries]: counters.retries,
    [COUNTER_ATTRIBUTE.linesWithUsage]: counters.usage.lines_with_usage,
  };
  for (const field of USAGE_FIELDS) {
    attributes[usageAttribute(field)] = counters.usage[field];
    attributes[unknownUsageAttribute(field)] = counters.usage.unknown[field];
  }
  return attributes;
}

/** A new chunk item: nothing recorded, every counter 0 (absent: see the layout). */
export function newChunkItem(jobId: string, index: number, lines: readonly number[]): Item {
  const { counters: _zeros, lines: _lines, ...chunk } = createChunkRecord(jobId, index, lines);
  const fields: Record<string, unknown> = {
    [PK]: jobPartition(jobId),
    [SK]: chunkSortKey(index),
    ...chunk,
    // A number set cannot be empty: a chunk without lines has no lineSet (no line belongs to it).
    ...(lines.length > 0 ? { lineSet: new Set(lines) } : {}),
    // The set, sorted, is the list when the lines ascend (as fan-out makes them): stored once.
    ...(isAscending(lines) ? {} : { lines }),
  };
  return marshall(fields);
}

/** Whether every line is greater than the one before it. */
function isAscending(lines: readonly number[]): boolean {
  for (let i = 1; i < lines.length; i += 1) if ((lines[i] ?? 0) <= (lines[i - 1] ?? 0)) return false;
  return true;
}

/** A chunk's lines: its `lines` list, or (items since the list went) its line set in ascending order. */
function chunkLinesOf(fields: Record<string, unknown>): unknown {
  if (fields['lines'] !== undefined) return fields['lines'];
  const set = fields['lineSet'];
  if (set === undefined) return [];
  return set instanceof Set ? [...set].sort((a: number, b: number) => a - b) : set;
}

/** The counters held as flat attributes (see `counterAttributes`), unvalidated; `missing` stands for an absent one. */
export function countersFromFields(
  fields: Record<string, unknown>,
  missing?: number,
): Record<keyof ChunkCounters, unknown> {
  const number = (attribute: string): unknown => fields[attribute] ?? missing;
  const sums: Record<string, unknown> = {};
  const unknown: Record<string, unknown> = {};
  for (const field of USAGE_FIELDS) {
    sums[field] = number(usageAttribute(field));
    unknown[field] = number(unknownUsageAttribute(field));
  }
  const counters: Record<keyof ChunkCounters, unknown> = {
    succeeded: number(COUNTER_ATTRIBUTE.succeeded),
    failed: number(COUNTER_ATTRIBUTE.failed),
    cancelled: number(COUNTER_ATTRIBUTE.cancelled),
    expired: number(COUNTER_ATTRIBUTE.expired),
    attempts: number(COUNTER_ATTRIBUTE.attempts),
    retries: number(COUNTER_ATTRIBUTE.retries),
    usage: { ...sums, lines_with_usage: number(COUNTER_ATTRIBUTE.linesWithUsage), unknown },
  };
  return counters;
}

/** The record of a chunk item (counters rebuilt from the flat attributes, an absent one 0), validated; a corrupt item throws `JobStoreError`. */
export function chunkFromItem(item: Item): ChunkRecord {
  const fields = unmarshall(item);
  const counters = countersFromFields(fields, 0);
  const { jobId, index, recorded, attempts, leases, enqueued } = fields;
  const lines = chunkLinesOf(fields);
  const record = { jobId, index, lines, recorded, attempts, leases, enqueued, counters };
  return parse(ChunkRecord, record, `stored chunk ${String(index)} of job ${String(jobId)}`, JobStoreError);
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ChunkRecord, JobRecord, JobStore, LineAttemptClaim, LineRecord } from '@thinkbatch/core';
import {
  AWAITING_UPLOAD_ETAG,
  createChunkRecord,
  createJobRecord,
  ErrorCode,
  isChunkComplete,
  isTerminalJobStatus,
  JobStoreError,
  TERMINAL_JOB_STATUSES,
} from '@thinkbatch/core';
import { STORAGE } from '@thinkbatch/core/settings';
import { createDynamoBatchWriter } from './dynamo-batch-write';
import { markChunksCancelled } from './dynamo-cancel-marks';
import { createExpressionContext } from './dynamo-expression';
import { createDynamoFanOutCheckpoint } from './dynamo-fan-out-checkpoint';
import {
  CHUNK_SORT_PREFIX,
  chunkFromItem,
  chunkKey,
  type Item,
  jobFromItem,
  jobKey,
  jobPartition,
  jobToItem,
  newChunkItem,
  PK,
  SK,
  UNFINISHED,
  UNFINISHED_MARK,
} from './dynamo-job-items';
import { createJobLister } from './dynamo-job-list';
import { createDynamoJobProgress, createSeenChunkItems } from './dynamo-job-progress';
import { createDynamoChunkCompletion } from './dynamo-job-store-completion';
import {
  CANCEL_MARK,
  claimedAttempts,
  claimsUpdate,
  claimUpdate,
  identifyClaim,
  leaseAttemptOf,
  MAX_LINES_PER_CLAIM,
  refusedClaim,
  releaseUpdate,
} from './dynamo-line-claim';
import { linesUpdate, lineUpdate, MAX_LINES_PER_UPDATE } from './dynamo-line-update';
import { createDynamoTable } from './dynamo-table';

/** Conditional updates a claim tries before giving up on a line whose lease keeps changing hands. */
const CLAIM_ROUNDS = 5;

/** Options of {@link createDynamoJobStore}. */
export interface DynamoJobStoreOptions {
  /** Table with string keys `pk` (partition) and `sk` (sort), as in `STORAGE`. */
  readonly tableName: string;
  /** @default new DynamoDBClient({}) (region and credentials from the environment) */
  readonly dynamodb?: DynamoDBClient;
  /** Items per Query page in `listChunks` and `listUnfinishedJobs` (DynamoDB also ends a page at 1 MB). @default no limit */
  readonly queryPageSize?: number;
  /** The sparse index of unfinished jobs (hash key `STORAGE.unfinishedJobsKey`, KEYS_ONLY). @default STORAGE.unfinishedJobsIndex */
  readonly unfinishedJobsIndex?: string;
  /** The index of jobs by status (hash `status`, range `STORAGE.jobCreatedKey`, KEYS_ONLY). @default STORAGE.jobsByStatusIndex */
  readonly jobsByStatusIndex?: string;
  /** The index of jobs by input key (hash `STORAGE.jobInputKey`, range `STORAGE.jobCreatedKey`, KEYS_ONLY). @default STORAGE.jobsByInputIndex */
  readonly jobsByInputIndex?: string;
}

/**
 * A JobStore on one DynamoDB table, using only single-item operations (conditional PutItem and UpdateItem,
 * consistent GetItem and Query), so it runs on dynalite, which has no transactions. Layout: see
 * `dynamo-job-items.ts`. SDK failures become `JobStoreError` with the SDK error as `cause`.
 */
export function createDynamoJobStore(options: DynamoJobStoreOptions): JobStore {
  const { tableName, queryPageSize } = options;
  const unfinishedJobsIndex = options.unfinishedJobsIndex ?? STORAGE.unfinishedJobsIndex;
  const client = options.dynamodb ?? new DynamoDBClient({});
  const table = createDynamoTable(client, tableName);
  const batchWriter = createDynamoBatchWriter(client, tableName);
  // What records answer with (ALL_NEW), for the job counter's next push of the chunk.
  const seenChunks = createSeenChunkItems();
  const completion = createDynamoChunkCompletion(table);
  const getJob = async (jobId: string): Promise<JobRecord | null> => {
    const item = await table.get(`GetItem job ${jobId}`, jobKey(jobId));
    if (item === null) return null;
    completion.noteJobItem(jobId, item);
    return jobFromItem(item);
  };
  const getChunk = async (jobId: string, index: number): Promise<ChunkRecord | null> => {
    const item = await table.get(`GetItem chunk ${index} of job ${jobId}`, chunkKey(jobId, index));
    return item === null ? null : chunkFromItem(item);
  };
  const existingJob = async (jobId: string): Promise<JobRecord> => {
    const job = await getJob(jobId);
    if (job === null) throw new JobStoreError(`job ${jobId} does not exist`, { code: ErrorCode.notFound });
    return job;
  };
  const existingChunk = async (jobId: string, index: number): Promise<ChunkRecord> => {
    const chunk = await getChunk(jobId, index);
    if (chunk === null)
      throw new JobStoreError(`chunk ${index} of job ${jobId} does not exist`, { code: ErrorCode.notFound });
    return chunk;
  };
  /** The chunk, whether it carries the cancel mark and the line's lease's attempt id (for a refused claim). */
  const chunkWithCancelMark = async (
    jobId: string,
    index: number,
    line: number,
  ): Promise<{ chunk: ChunkRecord; cancelled: boolean; leaseAttempt: string | null }> => {
    const item = await table.get(`GetItem chunk ${index} of job ${jobId}`, chunkKey(jobId, index));
    if (item === null)
      throw new JobStoreError(`chunk ${index} of job ${jobId} does not exist`, { code: ErrorCode.notFound });
    return {
      chunk: chunkFromItem(item),
      cancelled: item[CANCEL_MARK]?.BOOL === true,
      leaseAttempt: leaseAttemptOf(item, line),
    };
  };
  const claimLineAttempt: JobStore['claimLineAttempt'] = async (jobId, index, line, given) => {
    const claim = identifyClaim(given);
    const what = `UpdateItem chunk ${index} of job ${jobId} claim line ${line}`;
    // A refusal read back as claimable means the lease was dropped in between: try again, a few times.
    for (let round = 0; round < CLAIM_ROUNDS; round += 1) {
      // Only the attributes the claim changed come back: the count is all it needs, and the whole chunk
      // item (every line's record) would be sent, unmarshalled and validated on every claim.
      const item = await table.update(what, {
        Key: chunkKey(jobId, index),
        ...claimUpdate(line, claim),
        ReturnValues: 'UPDATED_NEW',
      });
      if (item !== null) {
        const attempts = claimedAttempts(item, line);
        if (attempts === null) throw new JobStoreError(`${what}: the attempt count is missing`);
        return { kind: 'claimed', attempts };
      }
      const { chunk, cancelled, leaseAttempt } = await chunkWithCancelMark(jobId, index, line);
      const refused = refusedClaim(chunk, line, claim, cancelled, leaseAttempt);
      if (refused !== null) return refused;
    }
    throw new JobStoreError(`${what}: refused ${CLAIM_ROUNDS} times while the line looked free`);
  };
  const recordLine = async (
    jobId: string,
    index: number,
    record: LineRecord,
  ): Promise<{ recorded: boolean; chunk: ChunkRecord }> => {
    const item = await table.update(`UpdateItem chunk ${index} of job ${jobId} record line ${record.line}`, {
      Key: chunkKey(jobId, index),
      ...lineUpdate(record),
    });
    if (item !== null) {
      seenChunks.note(jobId, index, item);
      return { recorded: true, chunk: chunkFromItem(item) };
    }
    const chunk = await existingChunk(jobId, index);
    if (!chunk.lines.includes(record.line)) {
      throw new JobStoreError(`line ${record.line} is not in chunk ${index} of job ${jobId}`, {
        code: ErrorCode.conflict,
      });
    }
    return { recorded: false, chunk };
  };
  const listJobs = createJobLister({
    table,
    getJob,
    byStatusIndex: options.jobsByStatusIndex ?? STORAGE.jobsByStatusIndex,
    byInputIndex: options.jobsByInputIndex ?? STORAGE.jobsByInputIndex,
  });
  return {
    ...createDynamoFanOutCheckpoint(table),
    ...createDynamoJobProgress(table, seenChunks),
    createJob: async (submission) => {
      const { jobId } = submission;
      const job = createJobRecord(submission);
      if (await table.putNew(`PutItem job ${jobId}`, jobToItem(job))) return { created: true, job };
      return { created: false, job: await existingJob(jobId) };
    },

    getJob,

    pinInput: async (jobId, { etag, size, now }) => {
      const x = createExpressionContext();
      const pinned = x.path('input', 'etag');
      const item = await table.update(`UpdateItem job ${jobId} pin input`, {
        Key: jobKey(jobId),
        UpdateExpression: `SET ${pinned} = ${x.value(etag)}, ${x.path('input', 'size')} = ${x.value(size)}, ${x.path('updatedAt')} = ${x.value(now)}`,
        ConditionExpression: `attribute_exists(${x.path(PK)}) AND ${pinned} = ${x.value(AWAITING_UPLOAD_ETAG)}`,
        ...x.attributes(),
      });
      if (item !== null) return jobFromItem(item);
      await existingJob(jobId);
      return null;
    },

    listJobs,

    transitionJob: async (jobId, change) => {
      if (change.from.length === 0) {
        await existingJob(jobId);
        return null;
      }
      const x = createExpressionContext();
      const status = x.path('status');
      const now = x.value(change.now);
      const sets = [`${status} = ${x.value(change.to)}`, `${x.path('updatedAt')} = ${now}`];
      const terminal = isTerminalJobStatus(change.to);
      if (change.to === 'running')
        sets.push(`${x.path('startedAt')} = if_not_exists(${x.path('startedAt')}, ${now})`);
      if (terminal) sets.push(`${x.path('finishedAt')} = ${now}`);
      if (change.error !== undefined) sets.push(`${x.path('error')} = ${x.value(change.error)}`);
      if (change.outputs !== undefined) sets.push(`${x.path('outputs')} = ${x.value(change.outputs)}`);
      // A terminal job leaves the sparse index of unfinished jobs.
      const remove = terminal ? ` REMOVE ${x.path(UNFINISHED)}` : '';
      const from = change.from.map((s) => x.value(s)).join(', ');
      const item = await table.update(`UpdateItem job ${jobId} → ${change.to}`, {
        Key: jobKey(jobId),
        UpdateExpression: `SET ${sets.join(', ')}${remove}`,
        ConditionExpression: `attribute_exists(${x.path(PK)}) AND ${status} IN (${from})`,
        ...x.attributes(),
      });
      if (item !== null) return jobFromItem(item);
      await existingJob(jobId);
      return null;
    },

    requestCancel: async (jobId, now) => {
      const x = createExpressionContext();
      const terminal = TERMINAL_JOB_STATUSES.map((s) => x.value(s)).join(', ');
      const item = await table.update(`UpdateItem job ${jobId} cancel`, {
        Key: jobKey(jobId),
        UpdateExpression: `SET ${x.path('cancelRequested')} = ${x.value(true)}, ${x.path('updatedAt')} = ${x.value(now)}`,
        ConditionExpression: `attribute_exists(${x.path(PK)}) AND NOT (${x.path('status')} IN (${terminal}))`,
        ...x.attributes(),
      });
      if (item === null) {
        await existingJob(jobId);
        return null;
      }
      // After the job's flag, so a chunk created after this listing is run by a delivery that reads it.
      await markChunksCancelled(table, jobId);
      return jobFromItem(item);
    },

    putChunk: async (jobId, index, lines) => {
      await existingJob(jobId);
      const item = newChunkItem(jobId, index, lines);
      if (await table.putNew(`PutItem chunk ${index} of job ${jobId}`, item))
        return { created: true, chunk: chunkFromItem(item) };
      return { created: false, chunk: await existingChunk(jobId, index) };
    },

    putNewChunks: async (jobId, created) => {
      await existingJob(jobId);
      const items = created.map(({ index, lines }) => newChunkItem(jobId, index, lines));
      await batchWriter.putAll(`BatchWriteItem ${created.length} new chunks of job ${jobId}`, items);
      return created.map(({ index, lines }) => createChunkRecord(jobId, index, lines));
    },

    getChunk,

    markChunkEnqueued: async (jobId, index) => {
      const x = createExpressionContext();
      const item = await table.update(`UpdateItem chunk ${index} of job ${jobId} enqueued`, {
        Key: chunkKey(jobId, index),
        UpdateExpression: `SET ${x.path('enqueued')} = ${x.value(true)}`,
        ConditionExpression: `attribute_exists(${x.path(PK)})`,
        ...x.attributes(),
      });
      if (item === null) await existingChunk(jobId, index);
    },

    claimLineAttempt,

    claimLineAttempts: async (jobId, index, lines, given) => {
      // One id for the group, kept by the line-by-line fallback: a group applied whose answer was lost
      // is then found claimed line by line, not counted again.
      const claim = identifyClaim(given);
      if (new Set(lines).size !== lines.length)
        throw new JobStoreError(`claim of chunk ${index} of job ${jobId}: a line is repeated`, {
          code: ErrorCode.invalidValue,
        });
      const claims: LineAttemptClaim[] = [];
      for (let start = 0; start < lines.length; start += MAX_LINES_PER_CLAIM) {
        const group = lines.slice(start, start + MAX_LINES_PER_CLAIM);
        const item =
          group.length < 2
            ? null
            : await table.update(`UpdateItem chunk ${index} of job ${jobId} claim ${group.length} lines`, {
                Key: chunkKey(jobId, index),
                ...claimsUpdate(group, claim),
                ReturnValues: 'UPDATED_NEW',
              });
        if (item === null) {
          // A group of one, or refused (a line recorded, held, cancelled or not in the chunk): line by line,
          // once every line is known to be in the chunk (so a foreign line claims nothing, as in one update).
          if (group.length > 1) {
            const current = await existingChunk(jobId, index);
            const foreign = group.find((line) => !current.lines.includes(line));
            if (foreign !== undefined)
              throw new JobStoreError(`line ${foreign} is not in chunk ${index} of job ${jobId}`, {
                code: ErrorCode.conflict,
              });
          }
          for (const line of group) claims.push(await claimLineAttempt(jobId, index, line, claim));
          continue;
        }
        for (const line of group) {
          const attempts = claimedAttempts(item, line);
          if (attempts === null)
            throw new JobStoreError(
              `claim of chunk ${index} of job ${jobId}: the attempt count of line ${line} is missing`,
            );
          claims.push({ kind: 'claimed', attempts });
        }
      }
      return claims;
    },

    releaseLine: async (jobId, index, line, holder) => {
      const what = `UpdateItem chunk ${index} of job ${jobId} release line ${line}`;
      const item = await table.update(what, { Key: chunkKey(jobId, index), ...releaseUpdate(line, holder) });
      // Refused: another holder has it, or nobody does (a no-op), or the chunk is missing (an error).
      if (item === null) await existingChunk(jobId, index);
    },

    recordLine: (jobId, index, record) => recordLine(jobId, index, record),

    recordLines: async (jobId, index, records) => {
      const recorded: boolean[] = [];
      let chunk: ChunkRecord | null = null;
      for (let start = 0; start < records.length; start += MAX_LINES_PER_UPDATE) {
        const group = records.slice(start, start + MAX_LINES_PER_UPDATE);
        if (group.length === 1 && group[0] !== undefined) {
          // A group of one is a plain record (no read first: it refuses a foreign line itself).
          const outcome = await recordLine(jobId, index, group[0]);
          recorded.push(outcome.recorded);
          chunk = outcome.chunk;
          continue;
        }
        const distinct = new Set(group.map((record) => record.line)).size === group.length;
        // Validate every line before the group goes out (the same errors as a single record).
        for (const record of group) lineUpdate(record);
        const item = distinct
          ? await table.update(`UpdateItem chunk ${index} of job ${jobId} record ${group.length} lines`, {
              Key: chunkKey(jobId, index),
              ...linesUpdate(group),
            })
          : null;
        if (item !== null) {
          seenChunks.note(jobId, index, item);
          chunk = chunkFromItem(item);
          recorded.push(...group.map(() => true));
          continue;
        }
        // Refused (a line recorded meanwhile, or not in the chunk) or not groupable: line by line, once
        // every line is known to be in the chunk (so a foreign line records nothing, as in one update).
        const current = await existingChunk(jobId, index);
        const foreign = group.find((record) => !current.lines.includes(record.line));
        if (foreign !== undefined) {
          throw new JobStoreError(`line ${foreign.line} is not in chunk ${index} of job ${jobId}`, {
            code: ErrorCode.conflict,
          });
        }
        for (const record of group) {
          const outcome = await recordLine(jobId, index, record);
          recorded.push(outcome.recorded);
          chunk = outcome.chunk;
        }
      }
      return { recorded, chunk: chunk ?? (await existingChunk(jobId, index)) };
    },

    completeChunk: async (jobId, index, now, complete) => {
      // A complete chunk the caller holds is final: counting it as given saves a read per chunk.
      const chunk =
        complete !== undefined &&
        complete.jobId === jobId &&
        complete.index === index &&
        isChunkComplete(complete)
          ? complete
          : await existingChunk(jobId, index);
      if (!isChunkComplete(chunk)) {
        throw new JobStoreError(`chunk ${index} of job ${jobId} is not complete`, {
          code: ErrorCode.conflict,
        });
      }
      // A complete chunk's counters no longer change (every line is recorded, once): add them as read.
      return completion.complete(chunk, now);
    },

    finishFanout: async (jobId, { chunksTotal, linesTotal, now }) => {
      const attempt = async (queue: boolean): Promise<Item | null> => {
        const x = createExpressionContext();
        const sets = [
          `${x.path('chunksTotal')} = ${x.value(chunksTotal)}`,
          `${x.path('linesTotal')} = ${x.value(linesTotal)}`,
          `${x.path('updatedAt')} = ${x.value(now)}`,
        ];
        if (queue) sets.push(`${x.path('status')} = ${x.value('queued')}`);
        const condition = `attribute_exists(${x.path(PK)})${queue ? ` AND ${x.path('status')} = ${x.value('validating')}` : ''}`;
        return table.update(`UpdateItem job ${jobId} fan-out totals`, {
          Key: jobKey(jobId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ...x.attributes(),
        });
      };
      // Move validating → queued with the totals; a job already past validating only gets the totals.
      const item = (await attempt(true)) ?? (await attempt(false));
      return item === null ? existingJob(jobId) : jobFromItem(item);
    },

    claimFinalize: async (jobId, { now, leaseMs }) => {
      const x = createExpressionContext();
      const status = x.path('status');
      const lease = x.path('finalizeLeaseUntil');
      const nowValue = x.value(now);
      const claimable = `(${status} IN (${x.value('queued')}, ${x.value('running')}) OR (${status} = ${x.value('finalizing')} AND (attribute_not_exists(${lease}) OR ${lease} <= ${nowValue})))`;
      const item = await table.update(`UpdateItem job ${jobId} claim finalize`, {
        Key: jobKey(jobId),
        UpdateExpression: `SET ${status} = ${x.value('finalizing')}, ${lease} = ${x.value(now + leaseMs)}, ${x.path('updatedAt')} = ${nowValue}`,
        ConditionExpression: `attribute_exists(${x.path(PK)}) AND attribute_exists(${x.path('chunksTotal')}) AND ${x.path('chunksDone')} = ${x.path('chunksTotal')} AND ${claimable}`,
        ...x.attributes(),
      });
      if (item !== null) return jobFromItem(item);
      await existingJob(jobId);
      return null;
    },

    claimFanOutResume: async (jobId, { now, stalledBefore, maxResumes }) => {
      const x = createExpressionContext();
      const resumes = x.path('fanOutResumes');
      const terminal = TERMINAL_JOB_STATUSES.map((s) => x.value(s)).join(', ');
      const item = await table.update(`UpdateItem job ${jobId} claim fan-out resume`, {
        Key: jobKey(jobId),
        UpdateExpression: `SET ${x.path('updatedAt')} = ${x.value(now)} ADD ${resumes} ${x.value(1)}`,
        ConditionExpression: [
          `attribute_exists(${x.path(PK)})`,
          `attribute_not_exists(${x.path('chunksTotal')})`,
          `NOT (${x.path('status')} IN (${terminal}))`,
          `${x.path('updatedAt')} <= ${x.value(stalledBefore)}`,
          `(attribute_not_exists(${resumes}) OR ${resumes} < ${x.value(maxResumes)})`,
        ].join(' AND '),
        ...x.attributes(),
      });
      if (item !== null) return jobFromItem(item);
      await existingJob(jobId);
      return null;
    },

    listUnfinishedJobs: () =>
      (async function* () {
        let start: Item | undefined;
        do {
          const x = createExpressionContext();
          const page = await table.queryIndex(`Query ${unfinishedJobsIndex}`, unfinishedJobsIndex, {
            KeyConditionExpression: `${x.path(UNFINISHED)} = ${x.value(UNFINISHED_MARK)}`,
            ...(queryPageSize === undefined ? {} : { Limit: queryPageSize }),
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
            ...x.attributes(),
          });
          for (const key of page.Items ?? []) {
            // The index is eventually consistent and KEYS_ONLY: read the job itself, and skip what ended.
            const pk = key[PK];
            const sk = key[SK];
            if (pk === undefined || sk === undefined) continue;
            const item = await table.get(`GetItem unfinished job ${pk.S}`, { [PK]: pk, [SK]: sk });
            if (item === null) continue;
            const job = jobFromItem(item);
            if (!isTerminalJobStatus(job.status)) yield job;
          }
          start = page.LastEvaluatedKey;
        } while (start !== undefined);
      })(),

    listChunks: (jobId) =>
      (async function* () {
        let start: Item | undefined;
        do {
          const x = createExpressionContext();
          const page = await table.query(`Query chunks of job ${jobId}`, {
            KeyConditionExpression: `${x.path(PK)} = ${x.value(jobPartition(jobId))} AND begins_with(${x.path(SK)}, ${x.value(CHUNK_SORT_PREFIX)})`,
            ...(queryPageSize === undefined ? {} : { Limit: queryPageSize }),
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
            ...x.attributes(),
          });
          for (const item of page.Items ?? []) yield chunkFromItem(item);
          start = page.LastEvaluatedKey;
        } while (start !== undefined);
      })(),
  };
}

import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  addChunkCounters,
  ChunkCounters,
  emptyChunkCounters,
  type JobProgress,
  type JobProgressStore,
  JobStoreError,
  parse,
} from '@thinkbatch/core';
import { createExpressionContext } from './dynamo-expression';
import {
  chunkKey,
  counterAttributes,
  countersFromFields,
  type Item,
  jobPartition,
  PK,
  SK,
} from './dynamo-job-items';
import type { DynamoTable } from './dynamo-table';

/**
 * The job counter on DynamoDB without transactions (see `JobProgressStore`). Items:
 *
 * - shard: pk `JOB#<jobId>`, sk `PROGRESS#<s>` (s = chunk index mod {@link PROGRESS_SHARDS}): the flat
 *   counters of its chunks (`c_*`, `u_*`, `unk_*`, as a chunk has) and `p_<index>` = the last push of
 *   that chunk applied. Shard 0's `started`, set by `startJobProgress` before fan-out writes a chunk,
 *   marks a job whose counter holds every push (a job from before the counter is read the old way).
 *   Markers stay (~10 bytes per chunk, ~60 KB per shard at the largest job), so a late duplicate of any
 *   push is refused whenever it comes.
 * - chunk: `pushSeq` (pushes begun), `pushed` (flat counters as of the last push, JSON) and `pushing`
 *   (JSON `{ seq, delta }`, the last push's intent; `pushSeq` = its seq, both set in one update).
 *
 * One push: (1) the chunk, conditional on `pushSeq` as read: `pushing` = the delta of its counters since
 * `pushed`, `pushed` = its counters, `pushSeq` + 1; (2) the shard, conditional on `p_<index>` < seq:
 * ADD the delta, SET the marker. (1) is written only once the intent it overwrites is known applied:
 * applied by this process, or — an intent it does not know applied, left by a pusher that died or by
 * another process — after running (2) for it, accepted or refused. A refusal proves it applied: the
 * marker moves only by applying intents, and intents reach the shard in order (each is begun only
 * after the one before it is applied), so marker ≥ seq means this one was. Hence an intent is never
 * cleared, the next overwrites it (conditional on `pushSeq` = its seq: the intent on the item is then
 * the one known applied), and exactly once holds: each delta is counters − `pushed` as read, and
 * `pushed` moves with it in one conditional write, so a count is in one intent; the marker takes each
 * intent once, however often it is applied again (a duplicate, a stale answer, a redelivery). A pusher
 * dying before (1) leaves nothing; after (1) an intent the next pusher applies; after (2) an applied
 * intent that is applied again and refused. Items of older versions may lack `pushing` (cleared):
 * then (1) is conditional on its absence as well.
 */
export const PROGRESS_SHARDS = 16;
const PROGRESS_SORT_PREFIX = 'PROGRESS#';
/** Attribute of shard 0 set by `startJobProgress`: the job had its counter from before its first line. */
const STARTED = 'started';
/** Rounds a push tries before leaving the rest to the next push (others are pushing the same chunk). */
const PUSH_ROUNDS = 8;

interface PendingPush {
  readonly seq: number;
  readonly delta: Record<string, number>;
}

function shardKey(jobId: string, shard: number): Item {
  return marshall({ [PK]: jobPartition(jobId), [SK]: `${PROGRESS_SORT_PREFIX}${shard}` });
}

function markerAttribute(index: number): string {
  return `p_${index}`;
}

/** Chunk items at most held by {@link SeenChunkItems} (a few per chunk in flight): beyond, the oldest goes. */
const MOST_SEEN_CHUNKS = 1_000;

/** Chunks at most whose last applied push {@link AppliedPushes} remembers: beyond, the oldest is forgotten. */
const MOST_APPLIED_CHUNKS = 1_000;

/**
 * The last push of each chunk (or completion group) this process applied (its seq), so that its intent can
 * stay on the item: the next push knows it needs no applying. Forgetting one costs a request (the
 * intent is applied again and refused by the shard), never a count.
 */
export interface AppliedPushes {
  note(jobId: string, index: number, seq: number): void;
  /** Whether this process applied push `seq` of the chunk. */
  has(jobId: string, index: number, seq: number): boolean;
  /** The last push of the chunk this process applied, if it remembers one. */
  last(jobId: string, index: number): number | undefined;
}

export function createAppliedPushes(most: number = MOST_APPLIED_CHUNKS): AppliedPushes {
  const applied = createRecentChunks<number>(most);
  return {
    note: (jobId, index, seq) => applied.set(jobId, index, seq),
    has: (jobId, index, seq) => applied.get(jobId, index) === seq,
    last: (jobId, index) => applied.get(jobId, index),
  };
}

/** A map keyed by (job, chunk) that keeps the `most` entries set last, forgetting the oldest. */
function createRecentChunks<V>(most: number) {
  const entries = new Map<string, V>();
  const keyOf = (jobId: string, index: number): string => `${jobId}#${index}`;
  return {
    set: (jobId: string, index: number, value: V): void => {
      const key = keyOf(jobId, index);
      entries.delete(key); // re-inserted last: the map's order is the age
      entries.set(key, value);
      if (entries.size > most) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
    },
    get: (jobId: string, index: number): V | undefined => entries.get(keyOf(jobId, index)),
    delete: (jobId: string, index: number): void => {
      entries.delete(keyOf(jobId, index));
    },
  };
}

/**
 * The chunk items this process's writes were last answered with (a record's ALL_NEW), so that the next
 * push of the chunk starts from one instead of a read: a push usually follows its delivery's record at
 * once. Taken once; a push that finds it stale (its intent refused) or with nothing new reads again.
 */
export interface SeenChunkItems {
  note(jobId: string, index: number, item: Item): void;
  take(jobId: string, index: number): Item | undefined;
}

export function createSeenChunkItems(most: number = MOST_SEEN_CHUNKS): SeenChunkItems {
  const items = createRecentChunks<Item>(most);
  return {
    note: (jobId, index, item) => items.set(jobId, index, item),
    take: (jobId, index) => {
      const item = items.get(jobId, index);
      items.delete(jobId, index);
      return item;
    },
  };
}

/**
 * The job counter's three operations over one table. `seen`: chunk items the store's records were
 * answered with; a push starts from one when there is one (three requests instead of four).
 */
export function createDynamoJobProgress(
  table: DynamoTable,
  seen: SeenChunkItems = createSeenChunkItems(),
): JobProgressStore {
  const applied = createAppliedPushes();
  const applyPush = async (jobId: string, index: number, push: PendingPush): Promise<void> => {
    const x = createExpressionContext();
    const marker = x.path(markerAttribute(index));
    const adds = Object.entries(push.delta)
      .filter(([, by]) => by !== 0)
      .map(([attribute, by]) => `${x.path(attribute)} ${x.value(by)}`);
    const seq = x.value(push.seq);
    // Refused: this push (or a later one of the chunk) was applied already — nothing to do.
    await table.update(`UpdateItem progress of job ${jobId} push ${push.seq} of chunk ${index}`, {
      Key: shardKey(jobId, index % PROGRESS_SHARDS),
      UpdateExpression: `SET ${marker} = ${seq}${adds.length === 0 ? '' : ` ADD ${adds.join(', ')}`}`,
      ConditionExpression: `attribute_not_exists(${marker}) OR ${marker} < ${seq}`,
      ReturnValues: 'NONE',
      ...x.attributes(),
    });
  };
  /** Write the intent of a push of everything new; null when there is nothing new or another pusher won. */
  const beginPush = async (
    jobId: string,
    index: number,
    fields: Record<string, unknown>,
  ): Promise<PendingPush | 'nothing' | 'lost'> => {
    const counters = counterAttributes(
      parse(ChunkCounters, countersFromFields(fields, 0), `counters of chunk ${index}`, JobStoreError),
    );
    const pushed = parsePushed(fields['pushed']);
    const delta: Record<string, number> = {};
    let changed = false;
    for (const [attribute, value] of Object.entries(counters)) {
      delta[attribute] = value - (pushed[attribute] ?? 0);
      if (delta[attribute] !== 0) changed = true;
    }
    if (!changed) return 'nothing';
    const before = typeof fields['pushSeq'] === 'number' ? fields['pushSeq'] : 0;
    const push: PendingPush = { seq: before + 1, delta };
    const x = createExpressionContext();
    const pushSeq = x.path('pushSeq');
    // An intent of push `before` may stay only when this process applied it (see `AppliedPushes`).
    const intentMayStay = before > 0 && applied.has(jobId, index, before);
    const written = await table.update(`UpdateItem chunk ${index} of job ${jobId} begin push ${push.seq}`, {
      Key: chunkKey(jobId, index),
      UpdateExpression: `SET ${x.path('pushing')} = ${x.value(JSON.stringify(push))}, ${x.path('pushed')} = ${x.value(JSON.stringify(counters))}, ${pushSeq} = ${x.value(push.seq)}`,
      ConditionExpression: intentMayStay
        ? `${pushSeq} = ${x.value(before)}`
        : `attribute_not_exists(${x.path('pushing')}) AND ${
            before === 0 ? `attribute_not_exists(${pushSeq})` : `${pushSeq} = ${x.value(before)}`
          }`,
      ReturnValues: 'NONE',
      ...x.attributes(),
    });
    return written === null ? 'lost' : push;
  };

  return {
    startJobProgress: async (jobId) => {
      // `started` marks a job whose every push counts (an older job's pushes may start mid-job).
      const x = createExpressionContext();
      await table.update(`UpdateItem progress of job ${jobId} start`, {
        Key: shardKey(jobId, 0),
        UpdateExpression: `SET ${x.path(STARTED)} = ${x.value(true)}`,
        ReturnValues: 'NONE',
        ...x.attributes(),
      });
    },

    pushChunkProgress: async (jobId, index) => {
      let known = seen.take(jobId, index);
      for (let round = 0; round < PUSH_ROUNDS; round += 1) {
        const fromSeen = known !== undefined;
        const item =
          known ??
          (await table.get(`GetItem chunk ${index} of job ${jobId} to push`, chunkKey(jobId, index)));
        known = undefined;
        if (item === null) throw new JobStoreError(`chunk ${index} of job ${jobId} does not exist`);
        const fields = unmarshall(item);
        const pending = parsePending(fields['pushing']);
        if (pending !== null && !applied.has(jobId, index, pending.seq)) {
          // An intent not known applied (its pusher died, is still at it, or is another process): apply
          // it; accepted or refused by the marker, it is applied now, and the next push may overwrite it.
          await applyPush(jobId, index, pending);
          applied.note(jobId, index, pending.seq);
        }
        const push = await beginPush(jobId, index, fields);
        // Nothing new in a seen item may be news since: only a read says there is nothing to push.
        if (push === 'nothing' && !fromSeen) return;
        if (push === 'nothing') continue;
        if (push === 'lost') continue;
        await applyPush(jobId, index, push);
        // The intent stays: this process knows it applied, and its next push of the chunk overwrites it.
        applied.note(jobId, index, push.seq);
        return;
      }
    },

    getJobProgress: async (jobId) => {
      let progress: JobProgress = emptyChunkCounters();
      let started = false;
      let start: Item | undefined;
      do {
        const x = createExpressionContext();
        const counted = Object.keys(counterAttributes(emptyChunkCounters())).map((name) => x.path(name));
        // Only the counters come back (the markers stay in the table); a page ends at 1 MB read.
        const page = await table.query(`Query progress of job ${jobId}`, {
          KeyConditionExpression: `${x.path(PK)} = ${x.value(jobPartition(jobId))} AND begins_with(${x.path(SK)}, ${x.value(PROGRESS_SORT_PREFIX)})`,
          ProjectionExpression: [x.path(SK), x.path(STARTED), ...counted].join(', '),
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          ...x.attributes(),
        });
        for (const shard of page.Items ?? []) {
          const fields = unmarshall(shard);
          if (fields[STARTED] === true) started = true;
          const counters = countersFromFields(fields, 0);
          progress = addChunkCounters(
            progress,
            parse(ChunkCounters, counters, `progress of job ${jobId}`, JobStoreError),
          );
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      return started ? progress : null;
    },
  };
}

function parsePushed(value: unknown): Record<string, number> {
  if (typeof value !== 'string') return {};
  return JSON.parse(value) as Record<string, number>;
}

function parsePending(value: unknown): PendingPush | null {
  if (typeof value !== 'string') return null;
  return JSON.parse(value) as PendingPush;
}

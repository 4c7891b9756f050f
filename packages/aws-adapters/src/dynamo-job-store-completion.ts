import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type ChunkRecord,
  ErrorCode,
  emptyChunkCounters,
  type JobRecord,
  JobStoreError,
} from '@thinkbatch/core';
import { createExpressionContext } from './dynamo-expression';
import {
  COMPLETED_CHUNKS,
  completionGroupSize,
  counterAttributes,
  doneMarkerAttribute,
  type Item,
  jobFromItem,
  jobKey,
  jobPartition,
  PK,
  SK,
} from './dynamo-job-items';
import { createAppliedPushes } from './dynamo-job-progress';
import type { DynamoTable } from './dynamo-table';

/**
 * Counting a complete chunk into its job exactly once, without transactions and with items of bounded
 * size (the layout and the argument: `dynamo-job-items.ts`, "Completion"). Steps of one completion:
 *
 * 1. add: the chunk's group item `DONE#<g>`, conditional `NOT contains(chunks, i)`: ADD `chunks` {i},
 *    `added` 1, and to its pending counters (`chunksDone` 1 and the chunk's flat counters). A process
 *    that applied the group's last push (seq s) tries 1 and 2 in one write instead: ADD `chunks` {i} and
 *    the intent of this chunk alone, conditional on `NOT contains(chunks, i) AND pushSeq = s`.
 * 2. intent: the group, conditional on `pushSeq` as read: `pushing` = { seq, delta = the pending
 *    counters as read }, `pushSeq` + 1, ADD −delta to the pending counters.
 * 3. apply: the job item, conditional `d_<g>` < seq: ADD the delta, SET `d_<g>` = seq.
 *
 * An intent whose apply this store has not seen is applied (again: the marker refuses a repeat) before
 * the next one is begun, so intents of a group reach the job one at a time and in order; an intent is
 * never cleared, the next one overwrites it. A chunk is counted once step 1 took it and an intent
 * covering it was applied; whoever completes it, a repeat included, runs the steps until then.
 */
export interface DynamoChunkCompletion {
  /** Count the complete `chunk` into its job once; the job afterwards. */
  complete(chunk: ChunkRecord, now: number): Promise<JobRecord>;
  /** Remember how a job item read elsewhere counts its chunks (saves the read `complete` makes otherwise). */
  noteJobItem(jobId: string, item: Item): void;
}

/** What {@link createDynamoChunkCompletion} notes for a chunk it saw counted. */
const COUNTED = 1;
/** Sort key prefix of completion group items. */
const DONE_SORT_PREFIX = 'DONE#';
/** Rounds of one completion before it gives up (each round some completer of the group makes progress). */
const COMPLETE_ROUNDS = 32;
/** Jobs at most whose counting layout is remembered; beyond, the oldest is forgotten (a read). */
const MOST_KNOWN_JOBS = 1_000;

interface GroupPush {
  readonly seq: number;
  readonly delta: Record<string, number>;
}

function groupKey(jobId: string, group: number): Item {
  return marshall({ [PK]: jobPartition(jobId), [SK]: `${DONE_SORT_PREFIX}${group}` });
}

/** What one completion adds to its group's pending counters (and, through a push, to the job). */
function chunkDelta(chunk: ChunkRecord): Record<string, number> {
  return { chunksDone: 1, ...counterAttributes(chunk.counters) };
}

/**
 * Chunk completion over one table (the job store's `completeChunk`). It remembers, per process, the
 * pushes it applied (so its own intents need no re-applying) and how each job it saw counts its chunks.
 */
export function createDynamoChunkCompletion(table: DynamoTable): DynamoChunkCompletion {
  const applied = createAppliedPushes();
  // The chunks this process saw counted (the last 1,000), noted as pushes of seq COUNTED.
  const countedHere = createAppliedPushes();
  const fastPath = createFastPathCredit();
  const groupSizes = new Map<string, number | null>();
  const noteJobItem = (jobId: string, item: Item): void => {
    groupSizes.delete(jobId); // re-inserted last: the map's order is the age
    groupSizes.set(jobId, completionGroupSize(item));
    if (groupSizes.size > MOST_KNOWN_JOBS) {
      const oldest = groupSizes.keys().next().value;
      if (oldest !== undefined) groupSizes.delete(oldest);
    }
  };
  const readJobItem = async (jobId: string): Promise<Item> => {
    const item = await table.get(`GetItem job ${jobId}`, jobKey(jobId));
    if (item === null) throw new JobStoreError(`job ${jobId} does not exist`, { code: ErrorCode.notFound });
    noteJobItem(jobId, item);
    return item;
  };
  /** The job's group size; null for a job that counts in its own set (created before the groups). */
  const groupSizeOf = async (jobId: string): Promise<number | null> => {
    const known = groupSizes.get(jobId);
    if (known !== undefined) return known;
    return completionGroupSize(await readJobItem(jobId));
  };
  const readGroup = async (jobId: string, group: number): Promise<Item> => {
    const item = await table.get(`GetItem completions ${group} of job ${jobId}`, groupKey(jobId, group));
    if (item === null) throw new JobStoreError(`completion group ${group} of job ${jobId} does not exist`);
    return item;
  };

  /** Step 3; the job afterwards, or null when the marker refused it (applied before). */
  const apply = async (
    jobId: string,
    group: number,
    push: GroupPush,
    now: number,
  ): Promise<JobRecord | null> => {
    const x = createExpressionContext();
    const marker = x.path(doneMarkerAttribute(group));
    const seq = x.value(push.seq);
    const adds = Object.entries(push.delta)
      .filter(([, by]) => by !== 0)
      .map(([attribute, by]) => `${x.path(attribute)} ${x.value(by)}`);
    const item = await table.update(`UpdateItem job ${jobId} completions ${push.seq} of group ${group}`, {
      Key: jobKey(jobId),
      UpdateExpression: `SET ${marker} = ${seq}, ${x.path('updatedAt')} = ${x.value(now)}${adds.length === 0 ? '' : ` ADD ${adds.join(', ')}`}`,
      ConditionExpression: `attribute_exists(${x.path(PK)}) AND (attribute_not_exists(${marker}) OR ${marker} < ${seq})`,
      ...x.attributes(),
    });
    // Refused or not, the push is in the job now (a refusal means its marker reached `seq`).
    applied.note(jobId, group, push.seq);
    if (item === null) return null;
    noteJobItem(jobId, item);
    return jobFromItem(item);
  };

  /** Step 2 over the pending counters as read; null when another intent came first. */
  const begin = async (
    jobId: string,
    group: number,
    fields: Record<string, unknown>,
  ): Promise<GroupPush | null> => {
    const before = numberField(fields, 'pushSeq');
    const delta: Record<string, number> = {};
    for (const attribute of PUSHED_ATTRIBUTES) {
      const pending = numberField(fields, attribute);
      if (pending !== 0) delta[attribute] = pending;
    }
    const push: GroupPush = { seq: before + 1, delta };
    const x = createExpressionContext();
    const pushSeq = x.path('pushSeq');
    const subtracts = Object.entries(delta).map(([attribute, by]) => `${x.path(attribute)} ${x.value(-by)}`);
    const written = await table.update(
      `UpdateItem completions ${group} of job ${jobId} begin push ${push.seq}`,
      {
        Key: groupKey(jobId, group),
        UpdateExpression: `SET ${x.path('pushing')} = ${x.value(JSON.stringify(push))}, ${pushSeq} = ${x.value(push.seq)} ADD ${subtracts.join(', ')}`,
        // Intent `before` is known applied (see `drain`): it may be overwritten.
        ConditionExpression:
          before === 0 ? `attribute_not_exists(${pushSeq})` : `${pushSeq} = ${x.value(before)}`,
        ReturnValues: 'NONE',
        ...x.attributes(),
      },
    );
    return written === null ? null : push;
  };

  /**
   * Push the group until `target` chunks of it (a count of `added` read after the chunk was added) are in
   * the job; the job afterwards.
   */
  const drain = async (jobId: string, group: number, first: Item, target: number, now: number) => {
    let item = first;
    let job: JobRecord | null = null;
    for (let round = 0; round < COMPLETE_ROUNDS; round += 1) {
      const fields = unmarshall(item);
      const pending = parsePush(fields['pushing']);
      if (pending !== null && !applied.has(jobId, group, pending.seq))
        job = (await apply(jobId, group, pending, now)) ?? null;
      // Every intent begun is applied now: the chunks they took are in the job.
      if (numberField(fields, 'added') - numberField(fields, 'chunksDone') >= target)
        return job ?? jobFromItem(await readJobItem(jobId));
      const push = await begin(jobId, group, fields);
      if (push !== null) {
        job = await apply(jobId, group, push, now);
        return job ?? jobFromItem(await readJobItem(jobId));
      }
      item = await readGroup(jobId, group);
    }
    throw new JobStoreError(
      `completion of group ${group} of job ${jobId}: still contended after ${COMPLETE_ROUNDS} rounds`,
      {
        code: ErrorCode.unavailable,
      },
    );
  };

  /** A job created before the groups: its own number set, as it was counted so far. */
  const completeInJobSet = async (chunk: ChunkRecord, now: number): Promise<JobRecord> => {
    const { jobId, index } = chunk;
    const x = createExpressionContext();
    const done = x.path(COMPLETED_CHUNKS);
    const settled = Object.entries(counterAttributes(chunk.counters))
      .filter(([, by]) => by !== 0)
      .map(([attribute, by]) => `, ${x.path(attribute)} ${x.value(by)}`)
      .join('');
    const item = await table.update(`UpdateItem job ${jobId} complete chunk ${index}`, {
      Key: jobKey(jobId),
      UpdateExpression: `SET ${x.path('updatedAt')} = ${x.value(now)} ADD ${x.path('chunksDone')} ${x.value(1)}, ${done} ${x.value(new Set([index]))}${settled}`,
      ConditionExpression: `attribute_exists(${x.path(PK)}) AND NOT contains(${done}, ${x.value(index)})`,
      ...x.attributes(),
    });
    return jobFromItem(item ?? (await readJobItem(jobId)));
  };

  /**
   * Steps 1 and 2 in one write, when this process applied the group's last push (seq `known`): the chunk
   * is taken straight into its own intent, conditional on `pushSeq` = `known` (so no intent is left
   * unapplied behind it). Never through the pending counters: `added` counts only those, which keeps a
   * queued chunk's `target` exact. Null when refused (another push came first, or the chunk is there).
   */
  const takeIntoIntent = async (
    chunk: ChunkRecord,
    group: number,
    known: number,
  ): Promise<GroupPush | null> => {
    const { jobId, index } = chunk;
    const delta = Object.fromEntries(Object.entries(chunkDelta(chunk)).filter(([, by]) => by !== 0));
    const push: GroupPush = { seq: known + 1, delta };
    const x = createExpressionContext();
    const chunks = x.path('chunks');
    const pushSeq = x.path('pushSeq');
    const written = await table.update(
      `UpdateItem completions ${group} of job ${jobId} take chunk ${index}`,
      {
        Key: groupKey(jobId, group),
        UpdateExpression: `SET ${x.path('pushing')} = ${x.value(JSON.stringify(push))}, ${pushSeq} = ${x.value(push.seq)} ADD ${chunks} ${x.value(new Set([index]))}`,
        ConditionExpression: `NOT contains(${chunks}, ${x.value(index)}) AND ${pushSeq} = ${x.value(known)}`,
        ReturnValues: 'NONE',
        ...x.attributes(),
      },
    );
    return written === null ? null : push;
  };

  /**
   * This process's completions of one group, one after another: each then finds the last push its own
   * and takes its chunk in one write, where completions racing in one process would refuse each other's
   * takes and fall back to three writes and reads. Across processes they still race (the protocol's).
   */
  const groupTurns = new Map<string, Promise<unknown>>();
  const inTurn = <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const before = groupTurns.get(key) ?? Promise.resolve();
    const mine = before.then(run, run);
    groupTurns.set(key, mine);
    const leave = (): void => {
      if (groupTurns.get(key) === mine) groupTurns.delete(key);
    };
    mine.then(leave, leave);
    return mine;
  };

  const completeInGroup = async (chunk: ChunkRecord, group: number, now: number): Promise<JobRecord> => {
    const { jobId, index } = chunk;
    const known = applied.last(jobId, group);
    if (known !== undefined && fastPath.worthTrying()) {
      const push = await takeIntoIntent(chunk, group, known);
      fastPath.outcome(push !== null);
      if (push !== null)
        return (await apply(jobId, group, push, now)) ?? jobFromItem(await readJobItem(jobId));
    }
    const x = createExpressionContext();
    const chunks = x.path('chunks');
    const adds = Object.entries(chunkDelta(chunk))
      .filter(([, by]) => by !== 0)
      .map(([attribute, by]) => `, ${x.path(attribute)} ${x.value(by)}`)
      .join('');
    const added = await table.update(`UpdateItem completions ${group} of job ${jobId} add chunk ${index}`, {
      Key: groupKey(jobId, group),
      UpdateExpression: `ADD ${chunks} ${x.value(new Set([index]))}, ${x.path('added')} ${x.value(1)}${adds}`,
      ConditionExpression: `NOT contains(${chunks}, ${x.value(index)})`,
      ...x.attributes(),
    });
    // Refused: added before (a repeat, or a completer that died): see it pushed all the same.
    const item = added ?? (await readGroup(jobId, group));
    return drain(jobId, group, item, numberField(unmarshall(item), 'added'), now);
  };

  return {
    noteJobItem,
    complete: async (chunk, now) => {
      const { jobId, index } = chunk;
      // Counted by this process before (a delivery that found it complete again): the job as it is now.
      if (countedHere.has(jobId, index, COUNTED)) return jobFromItem(await readJobItem(jobId));
      const size = await groupSizeOf(jobId);
      if (size === null) return completeInJobSet(chunk, now);
      const group = Math.floor(index / size);
      const job = await inTurn(`${jobId}#${group}`, () => completeInGroup(chunk, group, now));
      countedHere.note(jobId, index, COUNTED);
      return job;
    },
  };
}

/**
 * Whether to try steps 1 and 2 in one write. It is refused when another process pushed the group since
 * this one did (on AWS, with many worker instances, often): after a refusal the next few completions go
 * the usual way, so a refused attempt costs at most one write in five; in one process (the embedded
 * runtime) it is hardly ever refused.
 */
function createFastPathCredit() {
  const MOST = 4;
  const REFUSED = 4;
  let credit = 0;
  return {
    worthTrying: (): boolean => {
      if (credit >= 0) return true;
      credit += 1;
      return false;
    },
    outcome: (taken: boolean): void => {
      credit = taken ? Math.min(credit + 1, MOST) : credit - REFUSED;
    },
  };
}

/** The attributes a push may carry: `chunksDone` and the flat counters. */
const PUSHED_ATTRIBUTES = ['chunksDone', ...Object.keys(counterAttributes(emptyChunkCounters()))];

function numberField(fields: Record<string, unknown>, name: string): number {
  const value = fields[name];
  return typeof value === 'number' ? value : 0;
}

function parsePush(value: unknown): GroupPush | null {
  if (typeof value !== 'string') return null;
  return JSON.parse(value) as GroupPush;
}

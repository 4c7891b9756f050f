import { QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoJobStore } from '@thinkbatch/aws-adapters';
import { addChunkCounters, emptyChunkCounters, type JobStore, lineCounterDelta } from '@thinkbatch/core';
import { ensureTable } from '@thinkbatch/local';
import { makeLineRecord, makeLineUsage, makeNewJob, uniqueJobId } from '@thinkbatch/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmulators } from '../fixtures/emulators';

const tableName = 'completion-jobs';
const local = useEmulators();

beforeAll(async () => {
  await ensureTable(local.clients.dynamodb, tableName);
});

/** A new store each call: another process, which knows nothing of what earlier stores did. */
const store = (): JobStore => createDynamoJobStore({ dynamodb: local.clients.dynamodb, tableName });

/** The record of chunk `index`'s one line (line index + 1), with usage that tells chunks apart. */
const recordOf = (jobId: string, index: number) =>
  makeLineRecord(jobId, index + 1, {
    usage: makeLineUsage({ completion_tokens: index + 1 }),
    attempts: 1 + (index % 3),
  });

/** The job's settled counters if exactly `indexes` were counted. */
const settledOf = (jobId: string, indexes: readonly number[]) =>
  indexes
    .map((index) => lineCounterDelta(recordOf(jobId, index)))
    .reduce(addChunkCounters, emptyChunkCounters());

/** A job whose chunks `indexes` (one line each) are complete, none counted yet. */
async function jobWithCompleteChunks(indexes: readonly number[]): Promise<string> {
  const jobId = uniqueJobId('completion');
  await store().createJob(makeNewJob(jobId));
  for (const index of indexes) {
    await store().putChunk(jobId, index, [index + 1]);
    await store().recordLine(jobId, index, recordOf(jobId, index));
  }
  return jobId;
}

/** Which request of a completion a DynamoDB input is (null: none of them). */
function stepOf(input: { Key?: { sk?: { S?: string } }; ExpressionAttributeNames?: Record<string, string> }) {
  const sk = input.Key?.sk?.S ?? '';
  const names = Object.values(input.ExpressionAttributeNames ?? {});
  if (sk.startsWith('DONE#') && names.includes('chunks') && names.includes('pushing')) return 'take';
  if (sk.startsWith('DONE#') && names.includes('added')) return 'add';
  if (sk.startsWith('DONE#') && names.includes('pushing')) return 'intent';
  if (sk === 'JOB' && names.some((name) => /^d_\d+$/.test(name))) return 'apply';
  return null;
}

type Step = 'add' | 'intent' | 'take' | 'apply';

/**
 * Run `run` in a process that dies at `step`: before its request reaches the table (`before`), or after
 * the table applied it and before the answer arrives (`after`). Once; the middleware is removed after.
 */
async function dyingAt(step: Step, when: 'before' | 'after', run: () => Promise<unknown>): Promise<void> {
  const { middlewareStack } = local.clients.dynamodb;
  let armed = true;
  middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as Parameters<typeof stepOf>[0] | undefined;
      if (!armed || input === undefined || stepOf(input) !== step) return next(args);
      armed = false;
      // After: whether the table applied it or refused it, the answer never arrives.
      if (when === 'after') await next(args).catch(() => undefined);
      throw new Error('invocation killed');
    },
    { step: 'initialize', name: 'die-once' },
  );
  try {
    await expect(run()).rejects.toThrow('invocation killed');
  } finally {
    middlewareStack.remove('die-once');
  }
  expect(armed).toBe(false);
}

/** The completion steps `run` sends, in order (reads as `GetItem`). */
async function requestsOf(run: () => Promise<unknown>): Promise<string[]> {
  const requests: string[] = [];
  local.clients.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Parameters<typeof stepOf>[0];
      requests.push(stepOf(input) ?? String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'requests-of' },
  );
  try {
    await run();
  } finally {
    local.clients.dynamodb.middlewareStack.remove('requests-of');
  }
  return requests;
}

async function expectCounted(jobId: string, indexes: readonly number[]): Promise<void> {
  const job = await store().getJob(jobId);
  expect(job?.chunksDone).toBe(indexes.length);
  expect(job?.settled).toEqual(settledOf(jobId, indexes));
}

describe('chunk completion on DynamoDB: exactly once with items of bounded size', () => {
  // How the dying process completes chunk 1 — first: the first of its group (add, intent, apply); behind:
  // after another process's push of chunk 0, which it applies first (its first `apply` is that one);
  // fast: after its own push of chunk 0 (take = add and intent in one write, apply).
  const crashes = [
    ...(['add', 'intent', 'apply'] as const).map((step) => ({ path: 'first', step })),
    ...(['add', 'apply'] as const).map((step) => ({ path: 'behind', step })),
    ...(['take', 'apply'] as const).map((step) => ({ path: 'fast', step })),
  ].flatMap(({ path, step }) => (['before', 'after'] as const).map((when) => ({ path, step, when })));

  /** The process that is to die completing chunk 1, with chunk 0 counted before as `path` has it. */
  async function dyingProcess(jobId: string, path: string): Promise<JobStore> {
    const dying = store();
    if (path !== 'first') await (path === 'fast' ? dying : store()).completeChunk(jobId, 0, 2_000);
    await dying.getJob(jobId);
    return dying;
  }

  /** Chunks counted once the dying process is gone: chunk 0 unless first, chunk 1 if its own apply went. */
  const countedAfterCrash = (path: string, step: Step, when: string): number =>
    (path === 'first' ? 0 : 1) + (step === 'apply' && when === 'after' && path !== 'behind' ? 1 : 0);

  it.each(crashes)(
    'a completer dying $when its $step ($path): the redelivery counts the chunk once',
    async ({ path, step, when }) => {
      const jobId = await jobWithCompleteChunks([0, 1]);
      const dying = await dyingProcess(jobId, path);
      await dyingAt(step, when, () => dying.completeChunk(jobId, 1, 3_000));
      expect((await store().getJob(jobId))?.chunksDone).toBe(countedAfterCrash(path, step, when));
      // The redelivered chunk, then late duplicates of both, each from another process.
      expect((await store().completeChunk(jobId, 1, 4_000)).chunksDone).toBe(path === 'first' ? 1 : 2);
      await store().completeChunk(jobId, 0, 5_000);
      await store().completeChunk(jobId, 1, 5_000);
      await store().completeChunk(jobId, 0, 5_000);
      await expectCounted(jobId, [0, 1]);
    },
  );

  it.each(crashes)(
    'a completer dying $when its $step ($path): the next completer of the group counts both',
    async ({ path, step, when }) => {
      const jobId = await jobWithCompleteChunks([0, 1, 2]);
      const dying = await dyingProcess(jobId, path);
      await dyingAt(step, when, () => dying.completeChunk(jobId, 1, 3_000));
      const next = await store().completeChunk(jobId, 2, 4_000);
      // Chunk 1 was taken by its group before its completer died (its first write applied): counted with 2.
      const taken = !((step === 'add' || step === 'take') && when === 'before');
      expect(next.chunksDone).toBe((path === 'first' ? 0 : 1) + (taken ? 1 : 0) + 1);
      await store().completeChunk(jobId, 1, 5_000);
      await store().completeChunk(jobId, 0, 5_000);
      await expectCounted(jobId, [0, 1, 2]);
    },
  );

  it('counts duplicates and concurrent completers of one group and of two groups once each', async () => {
    const indexes = [...Array.from({ length: 12 }, (_, i) => i), 1_000, 1_001, 1_999];
    const jobId = await jobWithCompleteChunks(indexes);
    // Every chunk completed three times at once, each call another process.
    const jobs = await Promise.all(
      [...indexes, ...indexes, ...indexes].map((index) => store().completeChunk(jobId, index, 2_000)),
    );
    await expectCounted(jobId, indexes);
    // Each completer's answer includes its own chunk: the last answer to land saw them all.
    expect(Math.max(...jobs.map((job) => job.chunksDone))).toBe(indexes.length);
    for (const job of jobs) expect(job.chunksDone).toBeGreaterThanOrEqual(1);
  });

  it('counts chunks completed at once by three processes, each chunk by all three, once each', async () => {
    const indexes = [...Array.from({ length: 30 }, (_, i) => i), 1_000, 1_001];
    const jobId = await jobWithCompleteChunks(indexes);
    const processes = [store(), store(), store()];
    // Waves, so that the processes know pushes of their own (and take the one-write way) in later waves.
    for (let wave = 0; wave < 3; wave += 1) {
      const slice = indexes.filter((_, i) => i % 3 === wave);
      await Promise.all(
        processes.flatMap((process) => slice.map((index) => process.completeChunk(jobId, index, 2_000))),
      );
    }
    await Promise.all(
      processes.flatMap((process) => indexes.map((index) => process.completeChunk(jobId, index, 3_000))),
    );
    await expectCounted(jobId, indexes);
  });

  it('answers each completer with a job that includes its chunk', async () => {
    const indexes = Array.from({ length: 8 }, (_, i) => i);
    const jobId = await jobWithCompleteChunks(indexes);
    const jobs = await Promise.all(indexes.map((index) => store().completeChunk(jobId, index, 2_000)));
    // Answers are taken after the chunk's push was applied: whoever counted last sees every chunk.
    expect(jobs.some((job) => job.chunksDone === indexes.length)).toBe(true);
    await expectCounted(jobId, indexes);
  });

  it('keeps the job item to one marker per group: no set of chunk indexes', async () => {
    const indexes = [0, 1, 2, 1_000, 2_500];
    const jobId = await jobWithCompleteChunks(indexes);
    for (const index of indexes) await store().completeChunk(jobId, index, 2_000);
    const item = await local.clients.dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `JOB#${jobId}` } },
      }),
    );
    const job = item.Items?.find((i) => i['sk']?.S === 'JOB');
    expect(job?.['completedChunks']).toEqual({ N: '1000' });
    expect(
      Object.keys(job ?? {})
        .filter((name) => name.startsWith('d_'))
        .sort(),
    ).toEqual(['d_0', 'd_1', 'd_2']);
    const groups = item.Items?.filter((i) => i['sk']?.S?.startsWith('DONE#')) ?? [];
    expect(groups.map((g) => g['chunks']?.NS?.map(Number).sort((a, b) => a - b))).toEqual([
      [0, 1, 2],
      [1_000],
      [2_500],
    ]);
    await expectCounted(jobId, indexes);
  });

  it('completes a chunk in three writes and no read, and the next of its group in two', async () => {
    const jobId = await jobWithCompleteChunks([0, 1, 2]);
    const same = store();
    await same.getJob(jobId);
    const complete = await same.getChunk(jobId, 0);
    const next = await same.getChunk(jobId, 1);
    if (complete === null || next === null) throw new Error('a chunk is missing');
    expect(await requestsOf(() => same.completeChunk(jobId, 0, 2_000, complete))).toEqual([
      'add',
      'intent',
      'apply',
    ]);
    // It pushed the group last: add and intent in one write.
    expect(await requestsOf(() => same.completeChunk(jobId, 1, 2_000, next))).toEqual(['take', 'apply']);
    // A repeat in the same process, which saw it counted: only the job is read, for the answer.
    expect(await requestsOf(() => same.completeChunk(jobId, 0, 2_500, complete))).toEqual(['GetItem']);
    // Another process's repeat: its add refused, the group read, the intent applied again (refused), the job read.
    expect(await requestsOf(() => store().completeChunk(jobId, 0, 2_500, complete))).toEqual([
      'GetItem',
      'add',
      'GetItem',
      'apply',
      'GetItem',
    ]);
    // Another process pushed the group since: the take is refused, the usual three writes follow.
    await store().completeChunk(jobId, 2, 3_000);
    await expectCounted(jobId, [0, 1, 2]);
  });

  it('takes the chunks of one group a process completes at once one after another: two writes each', async () => {
    const indexes = [0, 1, 2, 3, 4, 5];
    const jobId = await jobWithCompleteChunks(indexes);
    const same = store();
    await same.getJob(jobId);
    const chunks = await Promise.all(indexes.map((index) => same.getChunk(jobId, index)));
    const requests = await requestsOf(() =>
      Promise.all(chunks.map((chunk, index) => same.completeChunk(jobId, index, 2_000, chunk ?? undefined))),
    );
    // The first as the group's first (add, intent, apply), then each a take and an apply; no read.
    expect(requests).toEqual([
      'add',
      'intent',
      'apply',
      ...indexes.slice(1).flatMap(() => ['take', 'apply']),
    ]);
    await expectCounted(jobId, indexes);
  });

  it('finishes a job created before the groups in its own set, a chunk counted before included', async () => {
    const jobId = await jobWithCompleteChunks([0, 1, 2]);
    // The job item as the older version left it: chunk 0 counted into its set and counters.
    const settled = settledOf(jobId, [0]);
    await local.clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: `JOB#${jobId}` }, sk: { S: 'JOB' } },
        UpdateExpression:
          'REMOVE completedChunks ADD chunksDone :one, c_succeeded :s, c_attempts :a, u_completion_tokens :t',
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':s': { N: String(settled.succeeded) },
          ':a': { N: String(settled.attempts) },
          ':t': { N: String(settled.usage.completion_tokens) },
        },
      }),
    );
    await local.clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: `JOB#${jobId}` }, sk: { S: 'JOB' } },
        UpdateExpression: 'ADD completedChunks :done',
        ExpressionAttributeValues: { ':done': { NS: ['0'] } },
      }),
    );
    const counted = settledOf(jobId, [0]);
    expect((await store().getJob(jobId))?.settled.succeeded).toBe(counted.succeeded);
    await Promise.all([0, 1, 2, 1, 0].map((index) => store().completeChunk(jobId, index, 2_000)));
    const job = await store().getJob(jobId);
    expect(job?.chunksDone).toBe(3);
    expect(job?.settled.succeeded).toBe(3);
    expect(job?.settled.usage.completion_tokens).toBe(1 + 2 + 3);
    const groups = await local.clients.dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :done)',
        ExpressionAttributeValues: { ':pk': { S: `JOB#${jobId}` }, ':done': { S: 'DONE#' } },
      }),
    );
    expect(groups.Items ?? []).toEqual([]);
  });

  it('refuses the older version’s set update on a job that counts in groups (nothing applied)', async () => {
    const jobId = await jobWithCompleteChunks([0]);
    const older = local.clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: `JOB#${jobId}` }, sk: { S: 'JOB' } },
        UpdateExpression: 'SET updatedAt = :now ADD chunksDone :one, completedChunks :done',
        ConditionExpression: 'attribute_exists(pk) AND NOT contains(completedChunks, :index)',
        ExpressionAttributeValues: {
          ':now': { N: '2000' },
          ':one': { N: '1' },
          ':done': { NS: ['0'] },
          ':index': { N: '0' },
        },
      }),
    );
    await expect(older).rejects.toThrow(/incorrect data type/);
    expect((await store().getJob(jobId))?.chunksDone).toBe(0);
    await store().completeChunk(jobId, 0, 2_000);
    await expectCounted(jobId, [0]);
  });
});

import { createDynamoJobStore } from '@thinkbatch/aws-adapters';
import { sumJobProgress } from '@thinkbatch/core';
import { ensureTable } from '@thinkbatch/local';
import { makeLineUsage, makeNewJob, uniqueJobId } from '@thinkbatch/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmulators } from '../fixtures/emulators';

const tableName = 'progress-jobs';
const local = useEmulators();

beforeAll(async () => {
  await ensureTable(local.clients.dynamodb, tableName);
});

/**
 * Make the client's next UpdateItem whose expression matches `step` fail before it reaches the table
 * (a pusher that dies right there), once, after letting `passes` matching requests through; the
 * middleware is removed after `run`.
 */
async function dyingAt<T>(step: RegExp, run: () => Promise<T>, passes = 0): Promise<void> {
  const { middlewareStack } = local.clients.dynamodb;
  let armed = true;
  let toPass = passes;
  middlewareStack.add(
    (next) => async (args) => {
      const { input } = args as { input: { UpdateExpression?: string; Key?: unknown } };
      if (armed && args.input !== undefined && step.test(JSON.stringify(input)) && toPass-- === 0) {
        armed = false;
        throw new Error('invocation killed');
      }
      return next(args);
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

describe('job counter on DynamoDB: a push that dies between its steps', () => {
  const store = () => createDynamoJobStore({ dynamodb: local.clients.dynamodb, tableName });
  const record = (line: number) => ({
    line,
    status: 'succeeded' as const,
    resultKey: `r/${line}`,
    usage: makeLineUsage({ completion_tokens: line }),
    attempts: 1,
  });

  async function jobWithLines(lines: readonly number[]): Promise<string> {
    const jobId = uniqueJobId('dying-push');
    await store().createJob(makeNewJob(jobId));
    await store().startJobProgress(jobId);
    await store().putChunk(jobId, 0, [1, 2, 3, 4]);
    await store().recordLines(jobId, 0, lines.map(record));
    return jobId;
  }

  it('after its intent: the next push applies it, then pushes the rest, once', async () => {
    const jobId = await jobWithLines([1, 2]);
    // The shard update (ADD to the counter) is the second step.
    await dyingAt(/PROGRESS#/, () => store().pushChunkProgress(jobId, 0));
    expect((await store().getJobProgress(jobId))?.succeeded).toBe(0);
    await store().recordLine(jobId, 0, record(3));
    await store().pushChunkProgress(jobId, 0);
    expect(await store().getJobProgress(jobId)).toEqual(await sumJobProgress(store(), jobId));
    expect((await store().getJobProgress(jobId))?.succeeded).toBe(3);
  });

  it('after applying it: a second push and a late duplicate count nothing twice', async () => {
    const jobId = await jobWithLines([1, 2, 4]);
    // A pusher leaves its applied intent in place: the counter has the delta already.
    await store().pushChunkProgress(jobId, 0);
    expect((await store().getJobProgress(jobId))?.succeeded).toBe(3);
    await Promise.all([store().pushChunkProgress(jobId, 0), store().pushChunkProgress(jobId, 0)]);
    await store().pushChunkProgress(jobId, 0);
    expect(await store().getJobProgress(jobId)).toEqual(await sumJobProgress(store(), jobId));
    expect((await store().getJobProgress(jobId))?.usage.completion_tokens).toBe(1 + 2 + 4);
  });

  // Another process's intent (not known applied to this one) is applied again and then overwritten, never
  // cleared: a pusher dying at each of its steps after finding one, then the same pusher again (alive, its
  // request failed), concurrent pushers and a late duplicate, count every line once.
  it.each([
    ['applying the intent it found', /PROGRESS#/, 0],
    ['writing its own intent', /"pushing"/, 0],
    ['applying its own intent', /PROGRESS#/, 1],
  ])(
    "behind another's intent, dying %s: the next pushes count nothing twice",
    async (_step, step, passes) => {
      const jobId = await jobWithLines([1, 2, 4]);
      await store().pushChunkProgress(jobId, 0); // leaves its applied intent
      const other = store();
      await other.recordLine(jobId, 0, record(3));
      await dyingAt(step, () => other.pushChunkProgress(jobId, 0), passes);
      await other.pushChunkProgress(jobId, 0);
      expect((await other.getJobProgress(jobId))?.succeeded).toBe(4);
      await Promise.all([store().pushChunkProgress(jobId, 0), other.pushChunkProgress(jobId, 0)]);
      await store().pushChunkProgress(jobId, 0);
      expect(await store().getJobProgress(jobId)).toEqual(await sumJobProgress(store(), jobId));
      expect((await store().getJobProgress(jobId))?.usage.completion_tokens).toBe(1 + 2 + 3 + 4);
    },
  );

  it("a stale answer does not overwrite another's newer intent over its own (the intent's pushSeq condition)", async () => {
    const jobId = await jobWithLines([]);
    const first = store();
    const second = store();
    await first.recordLines(jobId, 0, [record(1), record(2)]);
    await first.pushChunkProgress(jobId, 0); // push 1, its intent stays, known applied to `first`
    await first.recordLine(jobId, 0, record(3)); // `first`'s answer: push 1 and lines 1-3
    await second.recordLine(jobId, 0, record(4));
    await second.pushChunkProgress(jobId, 0); // applies push 1 again (refused), then push 2 of lines 3-4
    await first.pushChunkProgress(jobId, 0); // from its stale answer: must not write a push 2 of line 3
    await first.pushChunkProgress(jobId, 0);
    await second.pushChunkProgress(jobId, 0);
    expect(await first.getJobProgress(jobId)).toEqual(await sumJobProgress(first, jobId));
    expect((await first.getJobProgress(jobId))?.usage.completion_tokens).toBe(1 + 2 + 3 + 4);
  });

  it("concurrent pushers behind each other's intents, lines recorded between rounds: each line once", async () => {
    const jobId = await jobWithLines([]);
    const pushers = [store(), store(), store()];
    for (const line of [1, 2, 3, 4]) {
      await store().recordLine(jobId, 0, record(line));
      await Promise.all(pushers.map((pusher) => pusher.pushChunkProgress(jobId, 0)));
      expect((await store().getJobProgress(jobId))?.usage.completion_tokens).toBe((line * (line + 1)) / 2);
    }
    expect(await store().getJobProgress(jobId)).toEqual(await sumJobProgress(store(), jobId));
  });

  it('reads the counter in one request of shard items, not one per chunk', async () => {
    const jobId = uniqueJobId('one-read');
    await store().createJob(makeNewJob(jobId));
    await store().startJobProgress(jobId);
    for (let index = 0; index < 40; index += 1) {
      await store().putChunk(jobId, index, [index + 1]);
      await store().recordLine(jobId, index, record(index + 1));
      await store().pushChunkProgress(jobId, index);
    }
    let requests = 0;
    local.clients.dynamodb.middlewareStack.add(
      (next) => async (args) => {
        requests += 1;
        return next(args);
      },
      { step: 'initialize', name: 'count' },
    );
    try {
      expect((await store().getJobProgress(jobId))?.succeeded).toBe(40);
    } finally {
      local.clients.dynamodb.middlewareStack.remove('count');
    }
    expect(requests).toBe(1);
  });

  it('pushes in three requests: one read, the intent, the shard (the intent stays)', async () => {
    const jobId = await jobWithLines([1, 2]);
    const commands: string[] = [];
    local.clients.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'count-push' },
    );
    try {
      await store().pushChunkProgress(jobId, 0);
    } finally {
      local.clients.dynamodb.middlewareStack.remove('count-push');
    }
    // An intent written with ReturnValues NONE once read as refused: two more reads per push.
    expect(commands).toEqual(['GetItemCommand', 'UpdateItemCommand', 'UpdateItemCommand']);
    expect((await store().getJobProgress(jobId))?.succeeded).toBe(2);
  });

  /** The DynamoDB commands `run` sends, in order. */
  async function commandsOf(run: () => Promise<unknown>): Promise<string[]> {
    const commands: string[] = [];
    local.clients.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName).replace(/Command$/, ''));
        return next(args);
      },
      { step: 'initialize', name: 'commands-of' },
    );
    try {
      await run();
    } finally {
      local.clients.dynamodb.middlewareStack.remove('commands-of');
    }
    return commands;
  }

  it("starts a push from the chunk its store's last record was answered with: no read", async () => {
    const jobId = await jobWithLines([]);
    const same = store();
    await same.recordLines(jobId, 0, [record(1), record(2)]);
    expect(await commandsOf(() => same.pushChunkProgress(jobId, 0))).toEqual(['UpdateItem', 'UpdateItem']);
    expect((await same.getJobProgress(jobId))?.succeeded).toBe(2);
    // Taken once: the next push reads, and finds nothing new.
    expect(await commandsOf(() => same.pushChunkProgress(jobId, 0))).toEqual(['GetItem']);
  });

  it('overwrites its own applied intent; another process applies it again, refused, and overwrites it', async () => {
    const jobId = await jobWithLines([]);
    const same = store();
    await same.recordLine(jobId, 0, record(1));
    await same.pushChunkProgress(jobId, 0);
    await same.recordLine(jobId, 0, record(2));
    // Its own intent, known applied: the next push writes over it (no clear).
    expect(await commandsOf(() => same.pushChunkProgress(jobId, 0))).toEqual(['UpdateItem', 'UpdateItem']);
    expect((await same.getJobProgress(jobId))?.succeeded).toBe(2);
    const other = store();
    await other.recordLine(jobId, 0, record(3));
    // Not known to it: the shard refuses the intent again (so it is applied), then its own push over it,
    // from its record's answer: no clearing, no read.
    expect(await commandsOf(() => other.pushChunkProgress(jobId, 0))).toEqual([
      'UpdateItem',
      'UpdateItem',
      'UpdateItem',
    ]);
    expect(await other.getJobProgress(jobId)).toEqual(await sumJobProgress(other, jobId));
    expect((await other.getJobProgress(jobId))?.usage.completion_tokens).toBe(1 + 2 + 3);
  });

  it('counts a complete chunk it is given without reading it again', async () => {
    const jobId = await jobWithLines([1, 2, 3, 4]);
    const complete = await store().getChunk(jobId, 0);
    if (complete === null) throw new Error('chunk 0 is missing');
    // A delivery has read its job (how the job counts its chunks): the completion's three writes, no read.
    const same = store();
    await same.getJob(jobId);
    expect(await commandsOf(() => same.completeChunk(jobId, 0, 2_000, complete))).toEqual([
      'UpdateItem',
      'UpdateItem',
      'UpdateItem',
    ]);
    // Once only, however often; a chunk of another index is not taken: the store reads its own.
    expect((await store().completeChunk(jobId, 0, 2_500, complete)).chunksDone).toBe(1);
    // (It saw chunk 0 counted: after reading the chunk, only the job, for the answer.)
    expect(await commandsOf(() => same.completeChunk(jobId, 0, 3_000, { ...complete, index: 1 }))).toEqual([
      'GetItem',
      'GetItem',
    ]);
    const job = await store().getJob(jobId);
    expect(job?.settled.succeeded).toBe(4);
    expect(job?.settled.usage.completion_tokens).toBe(1 + 2 + 3 + 4);
  });

  it('a push from a stale answer counts nothing twice, and the next push brings the rest', async () => {
    const jobId = await jobWithLines([]);
    const first = store();
    const second = store();
    await first.recordLines(jobId, 0, [record(1), record(2)]);
    await second.recordLine(jobId, 0, record(3));
    await second.pushChunkProgress(jobId, 0); // pushes all three, from its own answer
    await first.pushChunkProgress(jobId, 0); // its answer shows two lines and no push: refused, reads
    expect((await first.getJobProgress(jobId))?.succeeded).toBe(3);
    await second.recordLine(jobId, 0, record(4));
    await first.pushChunkProgress(jobId, 0);
    expect(await first.getJobProgress(jobId)).toEqual(await sumJobProgress(first, jobId));
    expect((await first.getJobProgress(jobId))?.succeeded).toBe(4);
  });
});

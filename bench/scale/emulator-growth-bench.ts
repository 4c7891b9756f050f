/**
 * Does an emulator operation cost more as the job grows? (issue 12: processing ran at ~320 lines/s at
 * 100k lines, ~225 at 1M). `pnpm exec tsx bench/scale/emulator-growth-bench.ts [--chunks 2000,20000]
 * [--ops 150] [--out FILE]`.
 *
 * For each size N (chunks of 50 one-token lines): a fresh embedded runtime on a data directory, as `run`
 * has it, filled the way a job of N chunks fills it mid-run — the input object (N × 50 lines), the job
 * item with half its chunks counted (completion groups and markers), N chunk items (written as fan-out writes
 * them), N run_chunk messages queued, N result objects of ~8 KB — then each per-chunk operation of the
 * workers timed on its own, through the runtime's adapters and SDK clients over HTTP (both emulators run
 * in this process, so the CPU time per operation includes theirs). Reported per operation: median and
 * p90 wall ms, CPU ms per operation, and the ratio between the sizes (flat ≈ 1); and this process's
 * memory after each size's operations (RSS, anonymous and file-backed, V8 heap; the sizes run one after
 * another in one process, so a later size also carries what an earlier one left).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { CHUNKS_PER_DONE_GROUP, doneMarkerAttribute } from '../../packages/aws-adapters/src/dynamo-job-items';
import { encodeWorkMessageBody, type ModelClient, type RunChunkMessage } from '../../packages/core/src/index';
import { STORAGE } from '../../packages/core/src/settings';
import { type LocalRuntime, startLocalRuntime } from '../../packages/local/src/index';
import { writeOneTokenPrompts } from './scale-input';

const LINES_PER_CHUNK = 50;
/** Lines per group claim and group record (the workers' group size is of this order). */
const GROUP = 25;

const { values } = parseArgs({
  options: {
    chunks: { type: 'string', default: '2000,20000' },
    ops: { type: 'string', default: '150' },
    out: { type: 'string' },
  },
});
const sizes = values.chunks.split(',').map(Number);
const ops = Number(values.ops);
if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(ops) || ops < 5)
  throw new Error('--chunks: positive integers, comma-separated; --ops: an integer ≥ 5');
const log = (line: string): void => void process.stderr.write(`emulator-growth: ${line}\n`);

const unused = {
  complete: async () => {
    throw new Error('the emulator growth bench makes no endpoint call');
  },
} as unknown as ModelClient;

/** One operation's timings at one size. */
interface OperationFigures {
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly cpuMsPerOp: number;
}

const round = (x: number): number => Math.round(x * 100) / 100;

/** Run `op(i)` for i = 0..count-1 one after another (after a few untimed ones), timing each. */
async function timeOperation(
  count: number,
  op: (i: number) => Promise<unknown>,
  warmUp = 5,
): Promise<OperationFigures> {
  for (let i = 0; i < warmUp; i += 1) await op(count + i);
  const walls: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await op(i);
    walls.push(performance.now() - started);
  }
  const used = process.cpuUsage(cpu);
  walls.sort((a, b) => a - b);
  return {
    medianMs: round(walls[Math.floor(walls.length / 2)] ?? 0),
    p90Ms: round(walls[Math.floor(walls.length * 0.9)] ?? 0),
    cpuMsPerOp: round((used.user + used.system) / 1000 / count),
  };
}

/** Byte ranges of line n (1-based) of the one-token input, as fan-out finds them. */
function lineRanges(lines: number): { start: Int32Array; end: Int32Array } {
  const start = new Int32Array(lines + 1);
  const end = new Int32Array(lines + 1);
  let offset = 0;
  for (let n = 1; n <= lines; n += 1) {
    const length = `{"custom_id":"p${n}","prompt":"${n % 10}"}`.length;
    start[n] = offset;
    end[n] = offset + length;
    offset += length + 1;
  }
  return { start, end };
}

const chunkLines = (index: number): number[] =>
  Array.from({ length: LINES_PER_CHUNK }, (_, i) => index * LINES_PER_CHUNK + i + 1);

/** This process's memory now, MiB: RSS split as the kernel counts it (`/proc/self/status`), and V8's. */
async function memorySnapshot(): Promise<Record<string, number>> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const kib = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  const memory = process.memoryUsage();
  const mib = (bytes: number): number => Math.round(bytes / 1024 / 1024);
  return {
    rss: mib(memory.rss),
    rssAnon: Math.round(kib('RssAnon') / 1024),
    rssFile: Math.round(kib('RssFile') / 1024),
    heapUsed: mib(memory.heapUsed),
    external: mib(memory.external),
  };
}

async function measureSize(
  chunks: number,
): Promise<{ figures: Record<string, OperationFigures>; memory: Record<string, number> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'thinkbatch-emulator-growth-'));
  const runtime: LocalRuntime = await startLocalRuntime({
    model: unused,
    endpoint: { baseURL: 'http://127.0.0.1:9/v1', apiKey: null },
    eventSources: false,
    sweeper: false,
    dataDir,
    log: { info: () => {}, warn: () => {}, error: (m: string) => log(m) },
  });
  try {
    const { deps, clients, resources } = runtime;
    const lines = chunks * LINES_PER_CHUNK;
    const started = performance.now();

    // The input, and the job as fan-out leaves it.
    const inputPath = join(dataDir, 'input.jsonl');
    await writeOneTokenPrompts(inputPath, lines);
    const inputKey = 'inputs/growth.jsonl';
    await deps.input.putStream(inputKey, createReadStream(inputPath));
    const head = await deps.input.head(inputKey);
    if (head === null) throw new Error('input not stored');
    const jobId = `growth-${chunks}`;
    const now = Date.now();
    await deps.jobs.createJob({
      jobId,
      input: { bucket: deps.input.bucket, key: inputKey, etag: head.etag, size: head.size },
      options: {},
      now,
    });
    await deps.jobs.startJobProgress(jobId);
    for (let from = 0; from < chunks; from += 100) {
      const window = Array.from({ length: Math.min(100, chunks - from) }, (_, i) => ({
        index: from + i,
        lines: chunkLines(from + i),
      }));
      await deps.jobs.putNewChunks(jobId, window);
    }
    await deps.jobs.finishFanout(jobId, { chunksTotal: chunks, linesTotal: lines, now });
    log(
      `${chunks} chunks: input and chunk items after ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    // Half the chunks counted into the job (mid-run), written as completions leave them: per completion
    // group (`DONE#<g>`) the set of its counted chunks and its last push; on the job item the counts and one
    // marker per group. Chunks 0 … ops − 1 (timed below) are not among them, but share group 0 with counted
    // ones (group 0 nearly full: its largest item).
    const offset = Math.min(ops, chunks - Math.floor(chunks / 2));
    const counted = Array.from({ length: Math.floor(chunks / 2) }, (_, i) => offset + i);
    await fillCompletions(clients.dynamodb, resources.tableName, jobId, counted);

    // N run_chunk messages queued, as fan-out sends them.
    const ranges = lineRanges(lines);
    const message = (index: number): RunChunkMessage => ({
      type: 'run_chunk',
      jobId,
      chunk: index,
      handoffs: 0,
      lines: chunkLines(index).map((line) => ({
        line,
        customId: `p${line}`,
        byteStart: ranges.start[line] ?? 0,
        byteEnd: ranges.end[line] ?? 0,
      })),
    });
    // (at least as many as the timed receives take, for a quick run on a small store)
    const queued = Math.max(chunks, (ops + 10) * 4);
    for (let from = 0; from < queued; from += 10) {
      const entries = Array.from({ length: Math.min(10, queued - from) }, (_, i) => ({
        Id: String(i),
        MessageBody: encodeWorkMessageBody(message((from + i) % chunks)),
      }));
      await clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: resources.queueUrl, Entries: entries }));
    }

    log(`${chunks} chunks: messages after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // N result objects (~8 KB: a group's results or a chunk file of short answers).
    const resultBody = 'x'.repeat(8 * 1024);
    for (let i = 0; i < chunks; i += 1)
      await deps.output.put(`jobs/${jobId}/results/fill-${i}.jsonl`, resultBody);
    log(
      `${chunks} chunks (${lines} lines): filled in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    // The operations, each on its own. Chunks timed here are 0.. (not counted into the job).
    const holder = 'growth-bench';
    const claim = () => ({ holder, until: Date.now() + 900_000, now: Date.now() });
    const groups = (index: number): number[][] => {
      const all = chunkLines(index);
      return [all.slice(0, GROUP), all.slice(GROUP)];
    };
    const record = (line: number) => ({
      line,
      status: 'succeeded' as const,
      resultKey: `jobs/${jobId}/results/fill-0.jsonl`,
      usage: null,
      attempts: 1,
    });
    const figures: Record<string, OperationFigures> = {};
    let received: string[] = [];
    figures['SQS ReceiveMessage (4) + DeleteMessageBatch'] = await timeOperation(ops, async () => {
      const answer = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: resources.queueUrl,
          MaxNumberOfMessages: 4,
          WaitTimeSeconds: 0,
        }),
      );
      const handles = (answer.Messages ?? []).map((m) => m.ReceiptHandle ?? '');
      if (handles.length === 0) throw new Error('the queue ran dry');
      await clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: resources.queueUrl,
          Entries: handles.map((h, i) => ({ Id: String(i), ReceiptHandle: h })),
        }),
      );
    });
    const held = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: resources.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    received = (held.Messages ?? []).map((m) => m.ReceiptHandle ?? '');
    figures['SQS ChangeMessageVisibility'] = await timeOperation(ops, (i) =>
      clients.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: resources.queueUrl,
          ReceiptHandle: received[i % received.length],
          VisibilityTimeout: 600,
        }),
      ),
    );
    figures['SQS SendMessage (a hand-back)'] = await timeOperation(ops, (i) =>
      deps.queue.send([message(i % chunks)]),
    );
    figures['DynamoDB GetItem job'] = await timeOperation(ops, () => deps.jobs.getJob(jobId));
    figures['DynamoDB GetItem chunk'] = await timeOperation(ops, (i) =>
      deps.jobs.getChunk(jobId, i % chunks),
    );
    figures[`DynamoDB UpdateItem claim ${GROUP} lines`] = await timeOperation(ops, async (i) => {
      for (const group of groups(i)) await deps.jobs.claimLineAttempts(jobId, i, group, claim());
    }).then((f) => ({ ...f, medianMs: f.medianMs / 2, p90Ms: f.p90Ms / 2, cpuMsPerOp: f.cpuMsPerOp / 2 }));
    figures[`DynamoDB UpdateItem record ${GROUP} lines`] = await timeOperation(ops, async (i) => {
      for (const group of groups(i)) await deps.jobs.recordLines(jobId, i, group.map(record));
    }).then((f) => ({ ...f, medianMs: f.medianMs / 2, p90Ms: f.p90Ms / 2, cpuMsPerOp: f.cpuMsPerOp / 2 }));
    figures['DynamoDB job counter push'] = await timeOperation(ops, (i) =>
      deps.jobs.pushChunkProgress(jobId, i),
    );
    figures['DynamoDB UpdateItem job: complete chunk'] = await timeOperation(ops, (i) =>
      deps.jobs.completeChunk(jobId, i, Date.now()),
    );
    figures['DynamoDB Query job progress'] = await timeOperation(ops, () => deps.jobs.getJobProgress(jobId));
    figures['S3 GetObject range: a chunk of the input'] = await timeOperation(ops, (i) => {
      const first = chunkLines((i * 7919) % chunks)[0] ?? 1;
      const last = first + LINES_PER_CHUNK - 1;
      return deps.input.get(inputKey, {
        range: { start: ranges.start[first] ?? 0, end: ranges.end[last] ?? 0 },
        ifMatch: head.etag,
      });
    });
    figures['S3 PutObject 8 KB'] = await timeOperation(ops, (i) =>
      deps.output.put(`jobs/${jobId}/results/timed-${i}.jsonl`, resultBody),
    );
    figures['S3 GetObject 8 KB'] = await timeOperation(ops, (i) =>
      deps.output.get(`jobs/${jobId}/results/fill-${(i * 7919) % chunks}.jsonl`),
    );
    return { figures, memory: await memorySnapshot() };
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The items completions of `counted` leave (see `dynamo-job-items.ts`, "Completion"), written directly. */
async function fillCompletions(
  dynamodb: DynamoDBClient,
  tableName: string,
  jobId: string,
  counted: readonly number[],
): Promise<void> {
  const pk = { S: `JOB#${jobId}` };
  const groups = new Map<number, string[]>();
  for (const index of counted) {
    const group = Math.floor(index / CHUNKS_PER_DONE_GROUP);
    groups.set(group, [...(groups.get(group) ?? []), String(index)]);
  }
  for (const [group, indexes] of groups) {
    const push = { seq: 1, delta: { chunksDone: indexes.length } };
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          [STORAGE.tablePartitionKey]: pk,
          [STORAGE.tableSortKey]: { S: `DONE#${group}` },
          chunks: { NS: indexes },
          added: { N: String(indexes.length) },
          chunksDone: { N: '0' },
          pushSeq: { N: '1' },
          pushing: { S: JSON.stringify(push) },
        },
      }),
    );
  }
  const markers = [...groups.keys()].map((_, i) => `#m${i} = :one`);
  await dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { [STORAGE.tablePartitionKey]: pk, [STORAGE.tableSortKey]: { S: 'JOB' } },
      UpdateExpression: `SET ${markers.join(', ')} ADD chunksDone :n`,
      ExpressionAttributeNames: Object.fromEntries(
        [...groups.keys()].map((group, i) => [`#m${i}`, doneMarkerAttribute(group)]),
      ),
      ExpressionAttributeValues: { ':one': { N: '1' }, ':n': { N: String(counted.length) } },
    }),
  );
}

const bySize: Record<string, Record<string, OperationFigures>> = {};
const memoryMiB: Record<string, Record<string, number>> = {};
for (const chunks of sizes) {
  const { figures, memory } = await measureSize(chunks);
  bySize[String(chunks)] = figures;
  memoryMiB[String(chunks)] = memory;
  log(`${chunks} chunks: memory after the operations (MiB): ${JSON.stringify(memory)}`);
  for (const [name, f] of Object.entries(figures))
    log(`${chunks} chunks: ${name}: median ${f.medianMs} ms, p90 ${f.p90Ms} ms, ${f.cpuMsPerOp} CPU ms/op`);
}
const [small, large] = [sizes[0], sizes[sizes.length - 1]].map((n) => bySize[String(n)] ?? {});
const growth = Object.fromEntries(
  Object.entries(large ?? {}).map(([name, f]) => {
    const base = small?.[name];
    return [name, base === undefined ? null : round(f.cpuMsPerOp / Math.max(base.cpuMsPerOp, 0.01))];
  }),
);
const report = { linesPerChunk: LINES_PER_CHUNK, ops, sizes, bySize, cpuGrowth: growth, memoryMiB };
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
if (values.out !== undefined) await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);

/**
 * What a chunk completion costs on DynamoDB, from item sizes (issue 12): `pnpm exec tsx
 * bench/scale/completion-cost.ts [--chunks 200,2000,20000,90000]`. Write units are billed per KB of the
 * larger of the item before and after a write, read units (consistent) per 4 KB; both are computed with
 * `dynamoItemBytes` over the items the job store writes, for every completion of a job of N chunks in
 * index order (a job read: the job item as it is at that completion).
 *
 * Before: one UpdateItem of the job item, whose `completedChunks` set holds every chunk counted so far.
 * After: the chunk's completion group item (add, then the push's intent; or both in one write, the take
 * of a process that pushed the group last) and the job item (apply), whose size no longer depends on the
 * chunks counted but on the groups (one marker per 1,000 chunks).
 */

import { parseArgs } from 'node:util';
import {
  CHUNKS_PER_DONE_GROUP,
  counterAttributes,
  doneMarkerAttribute,
  jobToItem,
} from '../../packages/aws-adapters/src/dynamo-job-items';
import { type ChunkCounters, createJobRecord, emptyChunkCounters } from '../../packages/core/src/index';
import {
  dynamoItemBytes,
  type SizedAttributeValue,
} from '../../packages/testing/src/fixtures/dynamo-item-bytes';

const { values } = parseArgs({ options: { chunks: { type: 'string', default: '200,2000,20000,90000' } } });
const sizes = values.chunks.split(',').map(Number);

/** A chunk of 50 succeeded R1-like lines (~1,000 prompt and ~12,000 completion tokens each). */
const chunkCounters: ChunkCounters = (() => {
  const empty = emptyChunkCounters();
  return {
    ...empty,
    succeeded: 50,
    attempts: 50,
    usage: {
      ...empty.usage,
      prompt_tokens: 50_000,
      completion_tokens: 600_000,
      total_tokens: 650_000,
      reasoning_tokens: 550_000,
      lines_with_usage: 50,
    },
  };
})();

const jobId = `job-${'0'.repeat(32)}`;
const job = createJobRecord({
  jobId,
  input: {
    bucket: 'thinkbatch-inputs',
    key: `inputs/${jobId}.jsonl`,
    etag: `"${'e'.repeat(32)}"`,
    size: 1e9,
  },
  options: { model: 'deepseek-ai/deepseek-r1', temperature: 0.6 },
  now: Date.now(),
});
const baseJob = (() => {
  const { completedChunks: _, ...item } = jobToItem({
    ...job,
    status: 'running',
    chunksTotal: 90_000,
    linesTotal: 4_500_000,
    chunksDone: 45_000,
    settled: chunkCounters,
  });
  return item;
})();
const baseJobBytes = dynamoItemBytes(baseJob);
const numberBytes = (n: number): number => dynamoItemBytes({ x: { N: String(n) } }) - 1;

/** Strings, numbers and number sets as DynamoDB attribute values (what the group item holds). */
function marshall(
  fields: Record<string, string | number | Set<number>>,
): Record<string, SizedAttributeValue> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, value]) => [
      name,
      typeof value === 'string'
        ? { S: value }
        : typeof value === 'number'
          ? { N: String(value) }
          : { NS: [...value].map(String) },
    ]),
  );
}

const writeUnits = (before: number, after: number): number => Math.ceil(Math.max(before, after) / 1024);
const readUnits = (bytes: number): number => Math.ceil(bytes / 4096);

/** The group item after `count` chunks of group `group` were added and pushed (the last push's intent kept). */
function groupBytes(group: number, count: number, withIntent: boolean): number {
  const first = group * CHUNKS_PER_DONE_GROUP;
  // Pending counters exist where some chunk added to them (ADD creates them), 0 once pushed.
  const pending = Object.fromEntries(
    Object.entries(counterAttributes(chunkCounters))
      .filter(([, value]) => value !== 0)
      .map(([name]) => [name, 0]),
  );
  const delta = Object.fromEntries(
    Object.entries({ chunksDone: 1, ...counterAttributes(chunkCounters) }).filter(([, value]) => value !== 0),
  );
  return dynamoItemBytes(
    marshall({
      pk: `JOB#${jobId}`,
      sk: `DONE#${group}`,
      ...(count > 0 ? { chunks: new Set(Array.from({ length: count }, (_, i) => first + i)) } : {}),
      added: count,
      chunksDone: 0,
      ...pending,
      ...(withIntent ? { pushSeq: count, pushing: JSON.stringify({ seq: count, delta }) } : {}),
    }),
  );
}

const rows: string[] = [];
for (const chunks of sizes) {
  // Before: the job item with i numbers in its set, for the i-th completion.
  let setBytes = 0;
  const before = { write: 0, read: 0 };
  const after = { write: 0, read: 0, take: 0 };
  let markerBytes = 0;
  const groupSize = new Map<number, number>();
  for (let i = 0; i < chunks; i += 1) {
    const oldBefore = baseJobBytes + (i > 0 ? 'completedChunks'.length + setBytes : 0);
    setBytes += numberBytes(i);
    const oldAfter = baseJobBytes + 'completedChunks'.length + setBytes;
    before.write += writeUnits(oldBefore, oldAfter);
    before.read += readUnits(oldAfter);
    // After: add and intent on the group (sizes change only per chunk added: computed once per count).
    const group = Math.floor(i / CHUNKS_PER_DONE_GROUP);
    const k = i - group * CHUNKS_PER_DONE_GROUP;
    if (k === 0) markerBytes += doneMarkerAttribute(group).length + 2;
    const bytesAt = (count: number): number => {
      const key = group * 10_000 + count;
      const known = groupSize.get(key);
      if (known !== undefined) return known;
      const bytes = groupBytes(group, count, count > 0);
      groupSize.set(key, bytes);
      return bytes;
    };
    const added = bytesAt(k + 1) - 200; // before its intent: ~200 bytes less of intent JSON
    after.write += writeUnits(bytesAt(k), added) + writeUnits(added, bytesAt(k + 1));
    const jobBytes = baseJobBytes + 'completedChunks'.length + 3 + markerBytes;
    after.write += writeUnits(jobBytes, jobBytes);
    after.take += writeUnits(bytesAt(k), bytesAt(k + 1)) + writeUnits(jobBytes, jobBytes);
    after.read += readUnits(jobBytes);
  }
  const per = (units: number): string => (units / chunks).toFixed(1);
  rows.push(
    `| ${chunks.toLocaleString('en-US')} | ${per(before.write)} | ${per(after.write)} | ${per(after.take)} | ${per(before.read)} | ${per(after.read)} | ${Math.round((baseJobBytes + setBytes) / 1024)} KB | ${((baseJobBytes + markerBytes) / 1024).toFixed(1)} KB |`,
  );
}
process.stdout.write(
  [
    '| chunks in the job | write units per completion, before | after (add, intent, apply) | after (take, apply) | read units per job read, before | after | job item at the end, before | after |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n'),
);

import {
  createFakeClock,
  createInMemoryJobStore,
  createInMemoryObjectStore,
  createInMemoryWorkQueue,
  makeFailedResultLine,
  makeNewJob,
} from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { jobKeys } from '../job/job-keys';
import type { JobStore } from '../ports/job-store';
import { silentLogger } from '../ports/logger';
import { createCancelWatch } from './cancel-watch';
import { createLineRecorder } from './line-recorder';
import { parseResultObject } from './result-objects';
import { settleChunk } from './settle-chunk';

const JOB = 'job_recorder';

/** A job store that counts its record calls and how many lines each carried. */
function countingStore(): { jobs: JobStore; groups: number[] } {
  const inner = createInMemoryJobStore();
  const groups: number[] = [];
  const jobs: JobStore = {
    ...inner,
    recordLine: async (...args) => {
      groups.push(1);
      return inner.recordLine(...args);
    },
    recordLines: async (jobId, index, records) => {
      groups.push(records.length);
      return inner.recordLines(jobId, index, records);
    },
  };
  return { jobs, groups };
}

async function setUp(lines: readonly number[]) {
  const { jobs, groups } = countingStore();
  await jobs.createJob(makeNewJob(JOB));
  await jobs.putChunk(JOB, 0, lines);
  const output = createInMemoryObjectStore('output');
  let token = 0;
  const newToken = (): string => {
    token += 1;
    return `t${token}`;
  };
  const deps = { jobs, output, log: silentLogger, newToken };
  return { deps, groups, output, jobs };
}

describe('createLineRecorder (group commit)', () => {
  it('records lines that finish together in few updates, each once, with its result object', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => i + 1);
    const { deps, groups, output, jobs } = await setUp(lines);
    const recorder = createLineRecorder(deps, JOB, 0);
    const outcomes = await Promise.all(lines.map((line) => recorder.record(makeFailedResultLine(line))));
    expect(outcomes.every((o) => o.recorded)).toBe(true);
    // The first goes alone; the others, arriving while it is recorded, go as one group.
    expect(groups).toEqual([1, 9]);
    const chunk = await jobs.getChunk(JOB, 0);
    expect(chunk?.counters.failed).toBe(10);
    for (const line of lines) {
      const key = chunk?.recorded[String(line)]?.resultKey ?? '';
      const text = parseResultObject((await output.get(key)) ?? new Uint8Array()).get(line) ?? 'null';
      expect(JSON.parse(text)).toEqual(makeFailedResultLine(line));
    }
    // One result object per group, not per line.
    const stored: string[] = [];
    for await (const key of output.list(`jobs/${JOB}/`)) stored.push(key);
    expect(stored).toHaveLength(2);
    expect(new Set(lines.map((line) => chunk?.recorded[String(line)]?.resultKey)).size).toBe(2);
  });

  it('deletes a group object none of whose lines it recorded', async () => {
    const { deps, output, jobs } = await setUp([1, 2]);
    const first = createLineRecorder(deps, JOB, 0);
    const second = createLineRecorder(deps, JOB, 0);
    await Promise.all([first.record(makeFailedResultLine(1)), first.record(makeFailedResultLine(2))]);
    const late = await Promise.all([
      second.record(makeFailedResultLine(1)),
      second.record(makeFailedResultLine(2)),
    ]);
    expect(late.map((o) => o.recorded)).toEqual([false, false]);
    const chunk = await jobs.getChunk(JOB, 0);
    expect(chunk?.counters.failed).toBe(2);
    const stored: string[] = [];
    for await (const key of output.list(`jobs/${JOB}/`)) stored.push(key);
    expect(stored.sort()).toEqual(
      [...new Set([chunk?.recorded['1']?.resultKey, chunk?.recorded['2']?.resultKey])].sort() as string[],
    );
    expect(second.recordedResults.size).toBe(0);
  });

  it('a line another delivery recorded first keeps that record; this copy of its result is deleted', async () => {
    const { deps, output, jobs } = await setUp([1, 2]);
    const first = createLineRecorder(deps, JOB, 0);
    const second = createLineRecorder(deps, JOB, 0);
    await first.record(makeFailedResultLine(1));
    const [again, other] = await Promise.all([
      second.record(makeFailedResultLine(1)),
      second.record(makeFailedResultLine(2)),
    ]);
    expect([again.recorded, other.recorded]).toEqual([false, true]);
    const chunk = await jobs.getChunk(JOB, 0);
    expect(chunk?.counters.failed).toBe(2);
    const stored: string[] = [];
    for await (const key of output.list(`jobs/${JOB}/`)) stored.push(key);
    expect(stored.sort()).toEqual(
      [chunk?.recorded['1']?.resultKey, chunk?.recorded['2']?.resultKey].sort() as string[],
    );
  });

  it('a failed record fails every line of its group', async () => {
    const { deps } = await setUp([1, 2]);
    const broken = {
      ...deps,
      jobs: { ...deps.jobs, recordLines: async () => Promise.reject(new Error('table down')) },
    };
    const recorder = createLineRecorder(broken, JOB, 0);
    const outcomes = await Promise.allSettled([
      recorder.record(makeFailedResultLine(1)),
      recorder.record(makeFailedResultLine(2)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });
});

describe('settling a chunk after a group commit', () => {
  it('takes the results this delivery recorded from memory and reads only the others', async () => {
    const { deps, output } = await setUp([1, 2, 3]);
    const mine = createLineRecorder(deps, JOB, 0);
    const theirs = createLineRecorder(deps, JOB, 0);
    await Promise.all([
      mine.record(makeFailedResultLine(1)),
      mine.record(makeFailedResultLine(2)),
      theirs.record(makeFailedResultLine(3)),
    ]);
    const reads: string[] = [];
    const counted = {
      ...output,
      get: async (...args: Parameters<typeof output.get>) => {
        reads.push(args[0]);
        return output.get(...args);
      },
    };
    const chunk = await deps.jobs.getChunk(JOB, 0);
    const settleDeps = {
      ...deps,
      output: counted,
      queue: createInMemoryWorkQueue(),
      clock: createFakeClock(),
    };
    await settleChunk(settleDeps, chunk as NonNullable<typeof chunk>, mine.recordedResults);
    expect(reads).toEqual([chunk?.recorded['3']?.resultKey]);
    const file = new TextDecoder().decode(
      (await output.get(jobKeys.chunkResults(JOB, 0))) ?? new Uint8Array(),
    );
    expect(file).toBe([1, 2, 3].map((line) => `${JSON.stringify(makeFailedResultLine(line))}\n`).join(''));
  });
});

describe('createCancelWatch', () => {
  it('knows the cancel the delivery started with, and remembers one a claim reported, with no read', async () => {
    let reads = 0;
    const jobs = {
      getJob: async () => {
        reads += 1;
        return { cancelRequested: true } as never;
      },
    };
    expect(await createCancelWatch(jobs, JOB, true).isCancelled()).toBe(true);
    const watch = createCancelWatch(jobs, JOB, false);
    expect(await Promise.all([watch.isCancelled(), watch.isCancelled()])).toEqual([false, false]);
    watch.noteCancelled();
    expect(await watch.isCancelled()).toBe(true);
    expect(reads).toBe(0);
  });

  it('answers from a read started recently enough, and reads again when the last one is older', async () => {
    let reads = 0;
    let cancelRequested = false;
    let now = 1_000;
    const jobs = {
      getJob: async () => {
        reads += 1;
        return { cancelRequested } as never;
      },
    };
    const { isCancelled } = createCancelWatch(jobs, JOB, false, { now: () => now });
    expect(await isCancelled()).toBe(false); // no read: the claims carry a cancel
    expect(reads).toBe(0);
    expect(await isCancelled({ startedWithinMs: 1_000 })).toBe(false); // after a long wait: a read
    expect(reads).toBe(1);
    cancelRequested = true;
    now += 800;
    expect(await isCancelled({ startedWithinMs: 1_000 })).toBe(false); // the read of 800 ms ago will do
    expect(reads).toBe(1);
    now += 400;
    expect(await isCancelled({ startedWithinMs: 1_000 })).toBe(true); // 1.2 s old: read again
    expect(reads).toBe(2);
  });
});

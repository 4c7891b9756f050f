import type { JobStore, LineRecord, LineStatus } from '@thinkbatch/core';
import { emptyChunkCounters, sumJobProgress } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { makeLineUsage, makeNewJob, uniqueJobId } from './job-store-fixtures';

const STATUSES: readonly LineStatus[] = ['succeeded', 'failed', 'cancelled', 'expired'];

function lineRecord(line: number): LineRecord {
  return {
    line,
    status: STATUSES[line % STATUSES.length] ?? 'succeeded',
    resultKey: `r/${line}`,
    usage: line % 3 === 0 ? null : makeLineUsage({ completion_tokens: line, total_tokens: 10 + line }),
    attempts: 1 + (line % 2),
  };
}

/** A job with a counter and `chunks` chunks of `perChunk` lines each (lines numbered from 1). */
async function countedJob(store: JobStore, chunks: number, perChunk: number): Promise<string> {
  const jobId = uniqueJobId('progress');
  await store.createJob(makeNewJob(jobId));
  await store.startJobProgress(jobId);
  for (let index = 0; index < chunks; index += 1) {
    const lines = Array.from({ length: perChunk }, (_, i) => index * perChunk + i + 1);
    await store.putChunk(jobId, index, lines);
  }
  return jobId;
}

/** The job counter and the fan-out checkpoint (`JobProgressStore`, `FanOutCheckpointStore`). */
export function describeJobProgressContract(store: () => JobStore): void {
  describe('job counter', () => {
    it('is null for a job without one, zero once started (idempotently)', async () => {
      const jobId = uniqueJobId('no-counter');
      await store().createJob(makeNewJob(jobId));
      expect(await store().getJobProgress(jobId)).toBeNull();
      await store().startJobProgress(jobId);
      await store().startJobProgress(jobId);
      expect(await store().getJobProgress(jobId)).toEqual(emptyChunkCounters());
    });

    it('stays unread for a job whose counter was never started, even after pushes', async () => {
      const jobId = uniqueJobId('old-job');
      await store().createJob(makeNewJob(jobId));
      for (const index of [0, 1]) {
        await store().putChunk(jobId, index, [index + 1]);
        await store().recordLine(jobId, index, lineRecord(index + 1));
      }
      await store().pushChunkProgress(jobId, 1);
      await store().pushChunkProgress(jobId, 0);
      expect(await store().getJobProgress(jobId)).toBeNull();
    });

    it('holds every chunk as of its last push, and a repeated push counts nothing twice', async () => {
      const jobId = await countedJob(store(), 3, 4);
      for (const line of [1, 2, 3, 5, 9, 10]) {
        const index = Math.floor((line - 1) / 4);
        await store().recordLine(jobId, index, lineRecord(line));
      }
      for (const index of [0, 1, 2, 0, 1, 2, 2]) await store().pushChunkProgress(jobId, index);
      expect(await store().getJobProgress(jobId)).toEqual(await sumJobProgress(store(), jobId));
      expect((await store().getJobProgress(jobId))?.failed).toBe(3);

      await store().recordLines(jobId, 0, [lineRecord(4)]);
      expect(await store().getJobProgress(jobId)).not.toEqual(await sumJobProgress(store(), jobId));
      await store().pushChunkProgress(jobId, 0);
      expect(await store().getJobProgress(jobId)).toEqual(await sumJobProgress(store(), jobId));
    });

    it('is exact after concurrent records and pushes of the same chunks', async () => {
      const chunks = 3;
      const perChunk = 8;
      const jobId = await countedJob(store(), chunks, perChunk);
      const work = Array.from({ length: chunks * perChunk }, (_, i) => i + 1).map(async (line) => {
        const index = Math.floor((line - 1) / perChunk);
        await store().recordLine(jobId, index, lineRecord(line));
        await Promise.all([store().pushChunkProgress(jobId, index), store().pushChunkProgress(jobId, index)]);
      });
      await Promise.all(work);
      for (let index = 0; index < chunks; index += 1) await store().pushChunkProgress(jobId, index);
      const sum = await sumJobProgress(store(), jobId);
      expect(sum.succeeded + sum.failed + sum.cancelled + sum.expired).toBe(chunks * perChunk);
      expect(await store().getJobProgress(jobId)).toEqual(sum);
    });
  });

  describe('fan-out checkpoint', () => {
    it('starts at 0 and only moves forward', async () => {
      const jobId = uniqueJobId('checkpoint');
      await store().createJob(makeNewJob(jobId));
      expect(await store().getFanOutCheckpoint(jobId)).toBe(0);
      await store().saveFanOutCheckpoint(jobId, 5);
      expect(await store().getFanOutCheckpoint(jobId)).toBe(5);
      await store().saveFanOutCheckpoint(jobId, 3);
      await store().saveFanOutCheckpoint(jobId, 5);
      expect(await store().getFanOutCheckpoint(jobId)).toBe(5);
      await Promise.all([7, 6, 9, 8].map((n) => store().saveFanOutCheckpoint(jobId, n)));
      expect(await store().getFanOutCheckpoint(jobId)).toBe(9);
    });
  });
}

import type { JobStore } from '@thinkbatch/core';
import { createChunkRecord, ErrorCode, JobStoreError } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { makeNewJob, uniqueJobId } from './job-store-fixtures';

async function newJob(store: JobStore, label: string): Promise<string> {
  const jobId = uniqueJobId(label);
  await store.createJob(makeNewJob(jobId));
  return jobId;
}

/** The fan-out lease, its reserved mark and the batch creation of new chunks (`putNewChunks`). */
export function describeFanOutLeaseContract(store: () => JobStore): void {
  describe('fan-out lease', () => {
    it('is held by one run at a time until it is given back or runs out', async () => {
      const jobId = await newJob(store(), 'lease');
      const a = { holder: 'run-a', until: 10_000, now: 1_000 };
      expect(await store().acquireFanOutLease(jobId, a)).toEqual({ checkpoint: 0, reserved: 0 });
      expect(
        await store().acquireFanOutLease(jobId, { holder: 'run-b', until: 20_000, now: 9_999 }),
      ).toBeNull();
      // Its holder renews it; another holder's release changes nothing.
      expect(await store().acquireFanOutLease(jobId, { ...a, until: 12_000 })).not.toBeNull();
      await store().releaseFanOutLease(jobId, 'run-b');
      expect(
        await store().acquireFanOutLease(jobId, { holder: 'run-b', until: 20_000, now: 11_000 }),
      ).toBeNull();
      // Run out: taken over.
      expect(
        await store().acquireFanOutLease(jobId, { holder: 'run-b', until: 20_000, now: 12_001 }),
      ).toEqual({
        checkpoint: 0,
        reserved: 0,
      });
      await store().releaseFanOutLease(jobId, 'run-b');
      expect(
        await store().acquireFanOutLease(jobId, { holder: 'run-c', until: 30_000, now: 13_000 }),
      ).not.toBeNull();
    });

    it('moves the reserved mark only forward and only for its holder; a next holder finds mark and checkpoint', async () => {
      const jobId = await newJob(store(), 'reserve');
      await store().acquireFanOutLease(jobId, { holder: 'run-a', until: 10_000, now: 1_000 });
      expect(await store().reserveFanOutChunks(jobId, { holder: 'run-a', chunks: 100, until: 11_000 })).toBe(
        true,
      );
      expect(await store().reserveFanOutChunks(jobId, { holder: 'run-a', chunks: 100, until: 11_000 })).toBe(
        false,
      );
      expect(await store().reserveFanOutChunks(jobId, { holder: 'run-b', chunks: 200, until: 11_000 })).toBe(
        false,
      );
      await store().saveFanOutCheckpoint(jobId, 60);
      // The reservation renewed the lease to 11,000.
      expect(
        await store().acquireFanOutLease(jobId, { holder: 'run-b', until: 20_000, now: 10_500 }),
      ).toBeNull();
      expect(
        await store().acquireFanOutLease(jobId, { holder: 'run-b', until: 20_000, now: 11_001 }),
      ).toEqual({
        checkpoint: 60,
        reserved: 100,
      });
      expect(await store().reserveFanOutChunks(jobId, { holder: 'run-a', chunks: 200, until: 12_000 })).toBe(
        false,
      );
      expect(await store().reserveFanOutChunks(jobId, { holder: 'run-b', chunks: 200, until: 21_000 })).toBe(
        true,
      );
    });

    it('reserves every chunk of a checkpoint saved without a lease (a fan-out of an older version)', async () => {
      const jobId = await newJob(store(), 'legacy');
      await store().saveFanOutCheckpoint(jobId, 7);
      const state = await store().acquireFanOutLease(jobId, { holder: 'run-a', until: 10_000, now: 1_000 });
      expect(state?.checkpoint).toBe(7);
      expect(state?.reserved).toBeGreaterThanOrEqual(Number.MAX_SAFE_INTEGER);
    });
  });

  describe('putNewChunks', () => {
    it('creates many chunks at once, each as putChunk would', async () => {
      const jobId = await newJob(store(), 'new-chunks');
      const chunks = Array.from({ length: 60 }, (_, index) => ({
        index,
        lines: [index * 2 + 1, index * 2 + 2],
      }));
      const created = await store().putNewChunks(jobId, chunks);
      const expected = chunks.map(({ index, lines }) => createChunkRecord(jobId, index, lines));
      expect(created).toEqual(expected);
      expect(await store().getChunk(jobId, 59)).toEqual(expected[59]);
      expect(await store().putChunk(jobId, 3, [99])).toEqual({ created: false, chunk: expected[3] });
    });

    it('refuses a job that does not exist', async () => {
      const failure = await store()
        .putNewChunks(uniqueJobId('missing'), [{ index: 0, lines: [1] }])
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(JobStoreError);
      expect((failure as JobStoreError).code).toBe(ErrorCode.notFound);
    });
  });
}

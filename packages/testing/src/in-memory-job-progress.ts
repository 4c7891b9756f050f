import type { ChunkCounters, ChunkRecord, FanOutCheckpointStore, JobProgressStore } from '@thinkbatch/core';
import { addChunkCounters, emptyChunkCounters, JobStoreError } from '@thinkbatch/core';

/**
 * The job counter and fan-out checkpoint of the in-memory job store. Each call is atomic here, so a push
 * just takes the chunk's counters as they are now: the job counter is the sum of every chunk's counters
 * as of its last push, as in the DynamoDB adapter (whose pushes survive a crash between their steps).
 */
export function createInMemoryJobProgress(
  chunkOf: (jobId: string, index: number) => ChunkRecord | undefined,
): JobProgressStore & FanOutCheckpointStore {
  /** Per job with a counter: each chunk's counters as of its last push. */
  const pushed = new Map<string, Map<number, ChunkCounters>>();
  const checkpoints = new Map<string, number>();
  const leases = new Map<string, { holder: string | null; until: number; reserved: number }>();
  const leaseOf = (jobId: string) => {
    let lease = leases.get(jobId);
    if (lease === undefined) {
      // A checkpoint saved without a lease (as a fan-out of an older version did): any chunk may exist.
      const legacy = checkpoints.has(jobId);
      lease = { holder: null, until: 0, reserved: legacy ? Number.MAX_SAFE_INTEGER : 0 };
      leases.set(jobId, lease);
    }
    return lease;
  };
  /** Jobs whose counter was started before their first line (the others are read the old way). */
  const started = new Set<string>();
  return {
    startJobProgress: async (jobId) => {
      started.add(jobId);
      if (!pushed.has(jobId)) pushed.set(jobId, new Map());
    },
    pushChunkProgress: async (jobId, index) => {
      const chunk = chunkOf(jobId, index);
      if (chunk === undefined) throw new JobStoreError(`chunk ${index} of job ${jobId} does not exist`);
      let job = pushed.get(jobId);
      if (job === undefined) {
        // As in DynamoDB, a push of a job without a started counter is kept, but not read.
        job = new Map();
        pushed.set(jobId, job);
      }
      job.set(index, structuredClone(chunk.counters));
    },
    getJobProgress: async (jobId) => {
      const job = pushed.get(jobId);
      if (job === undefined || !started.has(jobId)) return null;
      let progress = emptyChunkCounters();
      for (const counters of job.values()) progress = addChunkCounters(progress, counters);
      return progress;
    },
    getFanOutCheckpoint: async (jobId) => checkpoints.get(jobId) ?? 0,
    saveFanOutCheckpoint: async (jobId, chunks) => {
      if (chunks > (checkpoints.get(jobId) ?? 0)) checkpoints.set(jobId, chunks);
    },
    acquireFanOutLease: async (jobId, { holder, until, now }) => {
      const lease = leaseOf(jobId);
      if (lease.holder !== null && lease.holder !== holder && lease.until >= now) return null;
      lease.holder = holder;
      lease.until = until;
      return { checkpoint: checkpoints.get(jobId) ?? 0, reserved: lease.reserved };
    },
    reserveFanOutChunks: async (jobId, { holder, chunks, until }) => {
      const lease = leaseOf(jobId);
      if (lease.holder !== holder || lease.reserved >= chunks) return false;
      lease.reserved = chunks;
      lease.until = until;
      return true;
    },
    releaseFanOutLease: async (jobId, holder) => {
      const lease = leaseOf(jobId);
      if (lease.holder === holder) lease.holder = null;
    },
  };
}

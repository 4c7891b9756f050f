import type { ChunkRecord } from '../job/chunk';
import type { RunChunkMessage } from '../job/work-message';
import { createLimiter } from './limiter';
import type { PipelineDeps } from './pipeline-deps';
import { PipelineError } from './pipeline-error';

/** Chunks fan-out writes and sends together, then checkpoints (5,000 lines at 50 per chunk). */
export const FAN_OUT_WINDOW_CHUNKS = 100;
/**
 * How long a fan-out's lease lasts from its last renewal (each window renews it). A run that dies
 * without giving it back keeps other runs of the job's fan-out out for this long (the sweeper resumes
 * the job later); a window's unconditional chunk writes must land within it.
 */
export const FAN_OUT_LEASE_MS = 60_000;
/** Chunk writes in flight at once (each a conditional put, plus the records of its invalid lines). */
const WRITE_CONCURRENCY = 16;
/** SendMessageBatch requests in flight at once. */
const SEND_CONCURRENCY = 8;
/** SendMessageBatch takes 10 entries. */
const SEND_GROUP = 10;

/** A window of closed chunks on their way to the store and the queue. */
export interface FanOutWindow<Chunk extends { readonly index: number }> {
  /** Hold a closed chunk (in index order); true when the window is full and should be flushed. */
  add(chunk: Chunk): boolean;
  /**
   * Write the held chunks at or above the checkpoint, send their work items in parallel batches, then
   * move the job's checkpoint past them. Memory: one window of chunks.
   */
  flush(): Promise<void>;
  /** Chunks written and sent so far, counting the checkpoint it started from. */
  written(): number;
}

/** The fan-out lease the window writes under (see `FanOutCheckpointStore`). */
export interface FanOutWindowLease {
  readonly holder: string;
  /** Chunks below this may exist (an earlier run reserved them): written with a condition each. */
  readonly reserved: number;
}

/**
 * The window of fan-out: a chunk is only counted by the checkpoint once it and every chunk before it is
 * created and its work item sent, so a fan-out that dies anywhere in a window redoes at most that window
 * (its chunks are found, its items sent twice at worst).
 *
 * Chunks no run reserved yet are created in batches without a condition: the window first moves the
 * lease's reserved mark past them (which fails once another run took the lease over: the window then
 * throws rather than write), so no other run has written or will write them. Chunks below the mark, left
 * by a run that died, may exist and may have recorded lines: each is put with a condition and found.
 */
export function createFanOutWindow<Chunk extends { readonly index: number }>(
  deps: Pick<PipelineDeps, 'jobs' | 'queue' | 'clock'>,
  options: {
    readonly jobId: string;
    /** Chunks below this were written and sent by an earlier run: skipped. */
    readonly checkpoint: number;
    readonly lease: FanOutWindowLease;
    /** The line numbers of a chunk, for its record. */
    readonly linesOf: (chunk: Chunk) => readonly number[];
    /**
     * Record the chunk's invalid lines; its work item, or null when none is due. `created`: the record
     * just written in a batch; null when the chunk is to be created (or found) one by one.
     */
    readonly persist: (chunk: Chunk, created: ChunkRecord | null) => Promise<RunChunkMessage | null>;
  },
): FanOutWindow<Chunk> {
  const { jobId, lease } = options;
  let held: Chunk[] = [];
  let done = options.checkpoint;
  let reserved = lease.reserved;
  const writes = createLimiter(WRITE_CONCURRENCY);
  const sends = createLimiter(SEND_CONCURRENCY);

  /** Create the chunks no run reserved yet in batches; their records, by index. */
  const createFresh = async (fresh: readonly Chunk[]): Promise<Map<number, ChunkRecord>> => {
    const last = fresh.at(-1);
    if (last === undefined) return new Map();
    const granted = await deps.jobs.reserveFanOutChunks(jobId, {
      holder: lease.holder,
      chunks: last.index + 1,
      until: deps.clock.now() + FAN_OUT_LEASE_MS,
    });
    if (!granted) throw new PipelineError(`fan-out of job ${jobId} lost its lease to another run: stopped`);
    reserved = last.index + 1;
    const records = await deps.jobs.putNewChunks(
      jobId,
      fresh.map((chunk) => ({ index: chunk.index, lines: options.linesOf(chunk) })),
    );
    return new Map(records.map((record) => [record.index, record]));
  };

  return {
    add(chunk) {
      held.push(chunk);
      return held.length >= FAN_OUT_WINDOW_CHUNKS;
    },
    async flush() {
      const chunks = held;
      held = [];
      const due = chunks.filter((chunk) => chunk.index >= options.checkpoint);
      if (due.length === 0) return;
      const created = await createFresh(due.filter((chunk) => chunk.index >= reserved));
      const messages = await Promise.all(
        due.map((chunk) => writes.run(() => options.persist(chunk, created.get(chunk.index) ?? null))),
      );
      const items = messages.filter((message) => message !== null);
      const groups: RunChunkMessage[][] = [];
      for (let start = 0; start < items.length; start += SEND_GROUP)
        groups.push(items.slice(start, start + SEND_GROUP));
      const sent = await Promise.allSettled(groups.map((group) => sends.run(() => deps.queue.send(group))));
      const refused = sent.find((outcome) => outcome.status === 'rejected');
      if (refused !== undefined) {
        // The window stops short of the checkpoint: mark the chunks whose items did go, so a re-run
        // does not send them again, then fail as the first refused send did.
        const delivered = groups.filter((_, i) => sent[i]?.status === 'fulfilled').flat();
        await Promise.all(delivered.map((item) => deps.jobs.markChunkEnqueued(jobId, item.chunk)));
        throw refused.reason;
      }
      const last = due.at(-1);
      if (last === undefined) return;
      done = last.index + 1;
      await deps.jobs.saveFanOutCheckpoint(jobId, done);
    },
    written: () => done,
  };
}

import type { RunChunkMessage } from '../job/work-message';
import { createLimiter } from './limiter';
import type { PipelineDeps } from './pipeline-deps';

/** Chunks fan-out writes and sends together, then checkpoints (5,000 lines at 50 per chunk). */
export const FAN_OUT_WINDOW_CHUNKS = 100;
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
   * Write the held chunks at or above the checkpoint side by side, send their work items in parallel
   * batches, then move the job's checkpoint past them. Memory: one window of chunks.
   */
  flush(): Promise<void>;
  /** Chunks written and sent so far, counting the checkpoint it started from. */
  written(): number;
}

/**
 * The window of fan-out: a chunk is only counted by the checkpoint once it and every chunk before it is
 * created and its work item sent, so a fan-out that dies anywhere in a window redoes at most that window
 * (its chunks are found, its items sent twice at worst).
 */
export function createFanOutWindow<Chunk extends { readonly index: number }>(
  deps: Pick<PipelineDeps, 'jobs' | 'queue'>,
  options: {
    readonly jobId: string;
    /** Chunks below this were written and sent by an earlier run: skipped. */
    readonly checkpoint: number;
    /** Create the chunk (or find it), record its invalid lines; its work item, or null when none is due. */
    readonly persist: (chunk: Chunk) => Promise<RunChunkMessage | null>;
  },
): FanOutWindow<Chunk> {
  let held: Chunk[] = [];
  let done = options.checkpoint;
  const writes = createLimiter(WRITE_CONCURRENCY);
  const sends = createLimiter(SEND_CONCURRENCY);
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
      const messages = await Promise.all(due.map((chunk) => writes.run(() => options.persist(chunk))));
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
        await Promise.all(delivered.map((item) => deps.jobs.markChunkEnqueued(options.jobId, item.chunk)));
        throw refused.reason;
      }
      const last = due.at(-1);
      if (last === undefined) return;
      done = last.index + 1;
      await deps.jobs.saveFanOutCheckpoint(options.jobId, done);
    },
    written: () => done,
  };
}

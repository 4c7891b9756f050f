import type { JobProgress } from '../job/job';

/**
 * Port (part of `JobStore`): a job-level counter of its recorded lines (counts by status, attempts,
 * token sums), read in one request however many chunks the job has.
 *
 * Exactly once without transactions: a chunk's counters (kept by its own conditional record updates)
 * are pushed into the job counter as deltas, each push first written as an intent on the chunk (one
 * conditional update: the delta and its sequence number), then applied to the counter once (a
 * conditional update that keeps the chunk's last applied sequence number), then cleared. Whoever finds
 * an intent applies and clears it, so a pusher that dies anywhere loses nothing and a repeated or
 * concurrent push counts nothing twice.
 */
export interface JobProgressStore {
  /** Give the job its counter (at fan-out, before any chunk): jobs without one are read the old way. Idempotent. */
  startJobProgress(jobId: string): Promise<void>;
  /**
   * Push what the chunk recorded since its last push (and any push left half done) into the job counter.
   * Safe to call at any time, any number of times, concurrently.
   */
  pushChunkProgress(jobId: string, index: number): Promise<void>;
  /**
   * The job counter: the counters of every chunk as of its last push. Null when the job has no counter
   * (created before it existed): sum its chunks instead.
   */
  getJobProgress(jobId: string): Promise<JobProgress | null>;
}

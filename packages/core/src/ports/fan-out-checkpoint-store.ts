/**
 * Port (part of `JobStore`): how far a job's fan-out got, so a fan-out that ran out of time (or died) is
 * continued by the next invocation from where it stopped instead of starting again.
 */
export interface FanOutCheckpointStore {
  /** Chunks 0 … n − 1 of the job are created, their invalid lines recorded and their work sent: n (0 when none). */
  getFanOutCheckpoint(jobId: string): Promise<number>;
  /**
   * Record that chunks 0 … `chunks` − 1 are created and sent. Only moves forward (a smaller value, from a
   * slower duplicate fan-out, changes nothing), so the checkpoint never claims a chunk no run finished.
   */
  saveFanOutCheckpoint(jobId: string, chunks: number): Promise<void>;
}

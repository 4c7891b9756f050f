/** Who runs a job's fan-out, and until when no other run may write its chunks. */
export interface FanOutLease {
  /** Unique per fan-out run. */
  readonly holder: string;
  /** Epoch ms the lease runs to. */
  readonly until: number;
  /** Epoch ms now: a lease of another holder that ended before this is taken over. */
  readonly now: number;
}

/** A job's fan-out as a lease holder finds it. */
export interface FanOutState {
  /** Chunks 0 … n − 1 are created and sent (`getFanOutCheckpoint`). */
  readonly checkpoint: number;
  /**
   * Chunks 0 … n − 1 may exist (a run reserved them); the chunks from n on exist nowhere, so the holder
   * writes them without a condition once it has reserved them (`reserveFanOutChunks`).
   */
  readonly reserved: number;
}

/**
 * Port (part of `JobStore`): how far a job's fan-out got, so a fan-out that ran out of time (or died) is
 * continued by the next invocation from where it stopped instead of starting again; and the lease that
 * lets one run at a time write new chunks in batches, without a condition per chunk.
 */
export interface FanOutCheckpointStore {
  /** Chunks 0 … n − 1 of the job are created, their invalid lines recorded and their work sent: n (0 when none). */
  getFanOutCheckpoint(jobId: string): Promise<number>;
  /**
   * Record that chunks 0 … `chunks` − 1 are created and sent. Only moves forward (a smaller value, from a
   * slower duplicate fan-out, changes nothing), so the checkpoint never claims a chunk no run finished.
   */
  saveFanOutCheckpoint(jobId: string, chunks: number): Promise<void>;
  /**
   * Take the job's fan-out lease (or renew one this holder has): granted when no lease is held, the
   * holder's own, or another's that ended before `lease.now`. Null when another holder's lease runs.
   */
  acquireFanOutLease(jobId: string, lease: FanOutLease): Promise<FanOutState | null>;
  /**
   * Move the reserved mark up to `chunks` and the lease to `until`, in one conditional update: true when
   * this holder still has the lease and nothing from the mark on was reserved before. Chunks from the
   * old mark up to `chunks` are then this holder's to write without a condition until the lease ends.
   */
  reserveFanOutChunks(
    jobId: string,
    reservation: { readonly holder: string; readonly chunks: number; readonly until: number },
  ): Promise<boolean>;
  /** Give the lease back (a no-op when another holder has it); the reserved mark stays. */
  releaseFanOutLease(jobId: string, holder: string): Promise<void>;
}

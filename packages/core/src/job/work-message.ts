import { z } from 'zod';

/**
 * A line as a claim check: where its bytes are in the input object, never the prompt itself, so a
 * multi-MiB line never has to fit in an SQS message.
 */
export const LineRef = z.object({
  line: z.number().int().positive(),
  customId: z.string().min(1),
  /** Inclusive byte offset of the line's first byte in the input object. */
  byteStart: z.number().int().nonnegative(),
  /** Exclusive byte offset after the line's last byte (terminator excluded). */
  byteEnd: z.number().int().nonnegative(),
  /**
   * Calls of this line the endpoint refused with 429 in earlier deliveries (they use none of its retry
   * budget), carried by hand-backs. Missing: none. A delivery that crashed loses its own count, which
   * can only make the budget look more used.
   */
  rateLimited: z.number().int().nonnegative().optional(),
  /** Time this line waited for endpoint capacity in earlier deliveries, ms (bounded by the longest wait). */
  rateWaitedMs: z.number().int().nonnegative().optional(),
  /**
   * Attempts claimed in earlier deliveries that made no call (a line claims its attempt before it waits
   * for a rate gate permit, and may be handed back before one comes), carried by hand-backs so that
   * `attempts` still counts calls only. Missing: none. A delivery that crashed loses its own count.
   */
  unusedClaims: z.number().int().nonnegative().optional(),
});
export type LineRef = z.infer<typeof LineRef>;

/** Run the valid lines of one chunk. Redelivery is safe: finished lines are skipped. */
export const RunChunkMessage = z.object({
  type: z.literal('run_chunk'),
  jobId: z.string(),
  chunk: z.number().int().nonnegative(),
  lines: z.array(LineRef).min(1),
  /**
   * Where the lines' bytes are when not in the uploaded input: the decompressed copy of a gzip upload,
   * in the output bucket under the job's prefix (its etag pinned). Missing: the upload itself.
   */
  decodedInput: z.object({ key: z.string().min(1), etag: z.string().min(1) }).optional(),
  /** Times this chunk was handed back (time running out, 429 storm); informational. */
  handoffs: z.number().int().nonnegative().default(0),
});
export type RunChunkMessage = z.infer<typeof RunChunkMessage>;

/** Merge a job's chunks into its outputs. Duplicates are safe: the job store grants one finalizer. */
export const FinalizeJobMessage = z.object({
  type: z.literal('finalize_job'),
  jobId: z.string(),
  /**
   * Invocations before this one that ran out of time finalizing the job and handed the rest on (a
   * finalize resumes from the segments they wrote). Bounded by `maxHandoffs`; missing: none.
   */
  continuations: z.number().int().nonnegative().optional(),
});
export type FinalizeJobMessage = z.infer<typeof FinalizeJobMessage>;

/**
 * Continue a job's fan-out that ran out of time, from its checkpoint. Duplicates are safe: fan-out is
 * idempotent and skips the chunks its checkpoint says were sent.
 */
export const ContinueFanOutMessage = z.object({
  type: z.literal('continue_fan_out'),
  jobId: z.string(),
  /** Invocations before this one that ran out of time on this fan-out (bounded by `maxHandoffs`). */
  continuations: z.number().int().nonnegative(),
});
export type ContinueFanOutMessage = z.infer<typeof ContinueFanOutMessage>;

/** The body of every message on the work queue (JSON). */
export const WorkMessage = z.discriminatedUnion('type', [
  RunChunkMessage,
  FinalizeJobMessage,
  ContinueFanOutMessage,
]);
export type WorkMessage = z.infer<typeof WorkMessage>;

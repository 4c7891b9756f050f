import { z } from 'zod';
import { LineStatus } from '../results/result-line';
import { emptyUsageTotals } from '../usage/accounting';
import { type LineUsage, UsageTotals } from '../usage/usage';

/** Where one line's recorded result is, and how it ended. */
export const RecordedLine = z.object({
  status: LineStatus,
  /** Object key (output bucket) of the stored ResultLine JSON. */
  resultKey: z.string(),
});
export type RecordedLine = z.infer<typeof RecordedLine>;

/** A delivery running a line holds it until `until` (epoch ms). */
export const LineLease = z.object({ holder: z.string(), until: z.number().int() });
export type LineLease = z.infer<typeof LineLease>;

/** Exact counters of one chunk; each line is added once, by the record that won. */
export const ChunkCounters = z.object({
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative(),
  expired: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative(),
  usage: UsageTotals,
});
export type ChunkCounters = z.infer<typeof ChunkCounters>;

/**
 * One chunk of a job: a run of consecutive non-blank input lines (valid and invalid). The unit of
 * exactly-once accounting: recording a line, counting it and remembering where its result is happen in
 * one conditional update of this record.
 */
export const ChunkRecord = z.object({
  jobId: z.string(),
  index: z.number().int().nonnegative(),
  /** Line numbers of this chunk, ascending: the order results are merged in. */
  lines: z.array(z.number().int().positive()),
  /** Recorded lines by line number (as a decimal string). Complete when it holds every line. */
  recorded: z.record(z.string(), RecordedLine),
  /** Endpoint attempts started per line (line number as a string), across deliveries. */
  attempts: z.record(z.string(), z.number().int().nonnegative()),
  /** Leases of lines being run now (line number as a string); dropped when the line is recorded. */
  leases: z.record(z.string(), LineLease),
  counters: ChunkCounters,
  /** Fan-out sent this chunk's work item (or it had no valid line to send). */
  enqueued: z.boolean(),
});
export type ChunkRecord = z.infer<typeof ChunkRecord>;

/** What a worker (or fan-out, or the DLQ consumer) records for a finished line. */
export interface LineRecord {
  readonly line: number;
  readonly status: LineStatus;
  readonly resultKey: string;
  readonly usage: LineUsage | null;
  /** Endpoint calls made for the line (all deliveries). */
  readonly attempts: number;
}

/** A chunk as fan-out creates it: its lines, nothing recorded, attempted or leased, every counter 0. */
export function createChunkRecord(jobId: string, index: number, lines: readonly number[]): ChunkRecord {
  return {
    jobId,
    index,
    lines: [...lines],
    recorded: {},
    attempts: {},
    leases: {},
    counters: emptyChunkCounters(),
    enqueued: false,
  };
}

export function isChunkComplete(chunk: ChunkRecord): boolean {
  return chunk.lines.every((line) => chunk.recorded[String(line)] !== undefined);
}

/** Counters of a chunk (or a job) before any line is counted. */
export function emptyChunkCounters(): ChunkCounters {
  return {
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    expired: 0,
    attempts: 0,
    retries: 0,
    usage: emptyUsageTotals(),
  };
}

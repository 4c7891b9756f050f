import type { ChunkRecord } from '../job/chunk';
import type { ResultLine } from '../results/result-line';
import type { PipelineDeps } from './pipeline-deps';
import { dropLostResult, resultObjectBody, storeLineResult } from './record-line-result';
import type { KnownResults } from './settle-chunk';

/** Records one delivery's finished lines of one chunk. */
export interface LineRecorder {
  /** Store the line's result object and record it once (see `recordLineResult`); resolves when recorded. */
  record(result: ResultLine): Promise<{ readonly recorded: boolean; readonly chunk: ChunkRecord }>;
  /** The bytes of the result objects this recorder stored and recorded, by key (for `settleChunk`). */
  readonly recordedResults: KnownResults;
}

/** Lines a delivery records between two pushes of its chunk into the job counter. */
export const PUSH_EVERY_LINES = 10;

/**
 * A group commit of finished lines: each result object is stored on its own, then the line waits for
 * the chunk's next record — the first line goes at once, and lines that finish while a record is under
 * way go together in the following one (`JobStore.recordLines`: one conditional update per group, line
 * by line when a group is refused). No line waits longer than one record for its group, and each is
 * still recorded exactly once with its counters; a line another delivery recorded first drops its copy.
 */
export function createLineRecorder(
  deps: Pick<PipelineDeps, 'output' | 'jobs' | 'newToken' | 'log'>,
  jobId: string,
  chunk: number,
): LineRecorder {
  type Outcome = { readonly recorded: boolean; readonly chunk: ChunkRecord };
  type Waiting = {
    readonly record: Awaited<ReturnType<typeof storeLineResult>>;
    readonly resolve: (outcome: Outcome) => void;
    readonly reject: (error: unknown) => void;
  };
  let waiting: Waiting[] = [];
  const recordedResults = new Map<string, string>();
  let flushing = false;
  let unpushed = 0;
  const flush = async (): Promise<void> => {
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      try {
        const outcome = await deps.jobs.recordLines(
          jobId,
          chunk,
          group.map((w) => w.record),
        );
        // The job counter follows every PUSH_EVERY_LINES lines this delivery recorded (a push is four
        // requests); the chunk's completion pushes the rest (`settleChunk`).
        unpushed += outcome.recorded.filter(Boolean).length;
        if (unpushed >= PUSH_EVERY_LINES) {
          unpushed = 0;
          await deps.jobs.pushChunkProgress(jobId, chunk);
        }
        group.forEach((w, i) => {
          w.resolve({ recorded: outcome.recorded[i] ?? false, chunk: outcome.chunk });
        });
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    flushing = false;
  };
  return {
    recordedResults,
    record: async (result) => {
      const record = await storeLineResult(deps, jobId, chunk, result);
      const outcome = await new Promise<Outcome>((resolve, reject) => {
        waiting.push({ record, resolve, reject });
        if (!flushing) {
          flushing = true;
          void flush();
        }
      });
      await dropLostResult(deps, jobId, record, outcome);
      if (outcome.recorded) recordedResults.set(record.resultKey, resultObjectBody(result));
      return outcome;
    },
  };
}

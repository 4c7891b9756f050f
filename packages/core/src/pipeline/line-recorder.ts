import type { ChunkRecord, LineRecord } from '../job/chunk';
import { jobKeys } from '../job/job-keys';
import type { ResultLine } from '../results/result-line';
import type { PipelineDeps } from './pipeline-deps';
import {
  type KnownResults,
  type ResultObjectLines,
  resultObjectBody,
  resultObjectLinesOf,
} from './result-objects';

/** Records one delivery's finished lines of one chunk. */
export interface LineRecorder {
  /** Store the line's result and record it once (see `createLineRecorder`); resolves when recorded. */
  record(result: ResultLine): Promise<{ readonly recorded: boolean; readonly chunk: ChunkRecord }>;
  /** The lines of the result objects this recorder stored and recorded, by key (for `settleChunk`). */
  readonly recordedResults: KnownResults;
}

/** Lines a delivery records between two pushes of its chunk into the job counter. */
export const PUSH_EVERY_LINES = 10;

/**
 * A group commit of finished lines: the first line goes at once, and lines that finish while a group is
 * under way go together in the following one. A group is one result object holding its lines' results
 * (`resultObjectBody`, one PUT) and one record of them all (`JobStore.recordLines`: one conditional
 * update per group, line by line when a group is refused). No line waits longer than one group before
 * its own, and each is still recorded exactly once with its counters. A line another delivery recorded
 * first keeps that record; the group's object is deleted when none of its lines was recorded from it
 * (and kept when some were: readers take only the lines recorded under its key).
 */
export function createLineRecorder(
  deps: Pick<PipelineDeps, 'output' | 'jobs' | 'newToken' | 'log'>,
  jobId: string,
  chunk: number,
): LineRecorder {
  type Outcome = { readonly recorded: boolean; readonly chunk: ChunkRecord };
  type Waiting = {
    readonly result: ResultLine;
    readonly resolve: (outcome: Outcome) => void;
    readonly reject: (error: unknown) => void;
  };
  let waiting: Waiting[] = [];
  const recordedResults = new Map<string, ResultObjectLines>();
  let flushing = false;
  let unpushed = 0;
  /** The next group: distinct lines in the order they finished; a repeated line waits for the next. */
  const takeGroup = (): Waiting[] => {
    const lines = new Set<number>();
    const group: Waiting[] = [];
    const rest: Waiting[] = [];
    for (const w of waiting) {
      if (lines.has(w.result.line)) rest.push(w);
      else {
        lines.add(w.result.line);
        group.push(w);
      }
    }
    waiting = rest;
    return group;
  };
  const recordGroup = async (group: readonly Waiting[]): Promise<void> => {
    const results = group.map((w) => w.result);
    const first = results[0];
    if (first === undefined) return;
    const resultKey = jobKeys.groupResults(jobId, chunk, first.line, deps.newToken());
    await deps.output.put(resultKey, resultObjectBody(results), { contentType: 'application/x-ndjson' });
    const records: LineRecord[] = results.map((result) => ({
      line: result.line,
      status: result.status,
      resultKey,
      usage: result.usage,
      attempts: result.attempts,
    }));
    const outcome = await deps.jobs.recordLines(jobId, chunk, records);
    const lost = records.filter((_, i) => outcome.recorded[i] !== true);
    if (lost.length > 0) {
      deps.log.warn('lines already recorded by another delivery; dropping these results', {
        jobId,
        chunk,
        lines: lost.map((r) => r.line),
      });
    }
    // Still named by some recorded line (this record, or a delivery that adopted the object): kept.
    const named = outcome.chunk.lines.some(
      (line) => outcome.chunk.recorded[String(line)]?.resultKey === resultKey,
    );
    if (named) {
      const mine = results.filter((_, i) => outcome.recorded[i] === true);
      if (mine.length > 0) recordedResults.set(resultKey, resultObjectLinesOf(mine));
    } else await deps.output.delete([resultKey]);
    // The job counter follows every PUSH_EVERY_LINES lines this delivery recorded (a push is four
    // requests); the chunk's completion pushes the rest (`settleChunk`).
    unpushed += outcome.recorded.filter(Boolean).length;
    if (unpushed >= PUSH_EVERY_LINES) {
      unpushed = 0;
      await deps.jobs.pushChunkProgress(jobId, chunk);
    }
    group.forEach((w, i) => {
      w.resolve({ recorded: outcome.recorded[i] === true, chunk: outcome.chunk });
    });
  };
  const flush = async (): Promise<void> => {
    for (let group = takeGroup(); group.length > 0; group = takeGroup()) {
      try {
        await recordGroup(group);
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    flushing = false;
  };
  return {
    recordedResults,
    record: (result) =>
      new Promise<Outcome>((resolve, reject) => {
        waiting.push({ result, resolve, reject });
        if (!flushing) {
          flushing = true;
          void flush();
        }
      }),
  };
}

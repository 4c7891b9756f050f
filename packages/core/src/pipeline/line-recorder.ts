import type { ChunkRecord, LineRecord } from '../job/chunk';
import type { Clock } from '../ports/clock';
import type { ResultLine } from '../results/result-line';
import type { PipelineDeps } from './pipeline-deps';
import { createProgressPushPacer, type ProgressPushPacer } from './progress-push-pacer';
import { type KnownResults, type ResultObjectLines, resultObjectLinesOf } from './result-objects';
import { type StoredResults, storeResultGroup } from './store-result-group';

/** Records one delivery's finished lines of one chunk. */
export interface LineRecorder {
  /** Store the line's result and record it once (see `createLineRecorder`); resolves when recorded. */
  record(result: ResultLine): Promise<{ readonly recorded: boolean; readonly chunk: ChunkRecord }>;
  /** The lines of the result objects this recorder stored and recorded, by key (for `settleChunk`). */
  readonly recordedResults: KnownResults;
  /** The chunk as its last record left it (each record answers with it); null before the first. */
  readonly lastSeenChunk: ChunkRecord | null;
}

/**
 * Lines a delivery records between two pushes of its chunk into the job counter when it has no clock
 * to space them (`PUSH_EVERY_MS`). A push is two to four requests.
 */
export const PUSH_EVERY_LINES = 25;

/**
 * A group commit of finished lines, in two stages. Storing: lines that finish while a result object is
 * being written wait for it and then go together in the next object (`resultObjectBody`, one PUT), so a
 * finished line's answer is stored after at most one PUT, never held back by a record. Recording: stored
 * groups wait for the record under way and then go together in the next `JobStore.recordLines` (one
 * conditional update per 25 lines, line by line when refused), each line still recorded exactly once with
 * its counters. A line another delivery recorded first keeps that record; an object none of whose lines
 * was recorded from it is deleted (one some lines were recorded from is kept: readers take only the
 * lines recorded under its key). A delivery that dies between the stages leaves its objects for the
 * next delivery to adopt (`adoptOrphanedResults`).
 */
export function createLineRecorder(
  deps: Pick<PipelineDeps, 'output' | 'jobs' | 'newToken' | 'log'> & {
    /** Spaces the pushes into the job counter (`PUSH_EVERY_MS`); without one, every `PUSH_EVERY_LINES` lines push. */
    readonly clock?: Pick<Clock, 'now'>;
    /** The invocation's pacer of counter pushes, shared by its chunks; without one, this chunk's own. */
    readonly pushPacer?: ProgressPushPacer;
  },
  jobId: string,
  chunk: number,
): LineRecorder {
  type Outcome = { readonly recorded: boolean; readonly chunk: ChunkRecord };
  type Waiting = {
    readonly result: ResultLine;
    readonly resolve: (outcome: Outcome) => void;
    readonly reject: (error: unknown) => void;
  };
  type Stored = { readonly group: readonly Waiting[]; readonly resultKey: string };
  let waiting: Waiting[] = [];
  let stored: Stored[] = [];
  const recordedResults = new Map<string, ResultObjectLines>();
  let lastSeenChunk: ChunkRecord | null = null;
  let storing = false;
  let recording = false;
  let unpushed = 0;
  let pushedOnce = false;
  const pacer =
    deps.clock === undefined ? undefined : (deps.pushPacer ?? createProgressPushPacer(deps.clock));
  /** The chunk's first recorded line pushes at once (a job of slow lines is live from its first line). */
  const pushIsDue = (): boolean => {
    if (pacer === undefined) return unpushed >= PUSH_EVERY_LINES;
    if (unpushed === 0) return false;
    const paced = pacer.take(); // the first push starts the spacing too
    return paced || !pushedOnce;
  };

  /** The next object's lines: distinct lines in the order they finished; a repeated line waits. */
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
  /** The next record's objects: stored groups in order, as long as their lines are distinct. */
  const takeStored = (): Stored[] => {
    const lines = new Set<number>();
    const batch: Stored[] = [];
    while (stored.length > 0) {
      const next = stored[0];
      if (next === undefined || next.group.some((w) => lines.has(w.result.line))) break;
      for (const w of next.group) lines.add(w.result.line);
      batch.push(next);
      stored = stored.slice(1);
    }
    return batch;
  };

  const recordStored = async (batch: readonly Stored[]): Promise<void> => {
    const records: LineRecord[] = batch.flatMap(({ group, resultKey }) =>
      group.map(({ result }) => ({
        line: result.line,
        status: result.status,
        resultKey,
        usage: result.usage,
        attempts: result.attempts,
      })),
    );
    const outcome = await deps.jobs.recordLines(jobId, chunk, records);
    lastSeenChunk = outcome.chunk; // records run one at a time: this answer is the latest
    const lost = records.filter((_, i) => outcome.recorded[i] !== true);
    if (lost.length > 0) {
      deps.log.warn('lines already recorded by another delivery; dropping these results', {
        jobId,
        chunk,
        lines: lost.map((r) => r.line),
      });
    }
    let at = 0;
    for (const { group, resultKey } of batch) {
      const recorded = group.map((_, i) => outcome.recorded[at + i] === true);
      at += group.length;
      // Still named by some recorded line (this record, or a delivery that adopted the object): kept.
      const named = outcome.chunk.lines.some(
        (line) => outcome.chunk.recorded[String(line)]?.resultKey === resultKey,
      );
      if (named) {
        const mine = group.filter((_, i) => recorded[i]).map((w) => w.result);
        if (mine.length > 0) recordedResults.set(resultKey, resultObjectLinesOf(mine));
      } else await deps.output.delete([resultKey]);
    }
    // The job counter follows this delivery's records: its first line at once, then as the invocation's
    // pacer allows (a push is two to four requests); the chunk's completion pushes the rest (`settleChunk`).
    unpushed += outcome.recorded.filter(Boolean).length;
    if (pushIsDue()) {
      unpushed = 0;
      pushedOnce = true;
      await deps.jobs.pushChunkProgress(jobId, chunk);
    }
    at = 0;
    for (const { group } of batch) {
      for (const w of group) {
        w.resolve({ recorded: outcome.recorded[at] === true, chunk: outcome.chunk });
        at += 1;
      }
    }
  };

  const record = async (): Promise<void> => {
    for (let batch = takeStored(); batch.length > 0; batch = takeStored()) {
      try {
        await recordStored(batch);
      } catch (error) {
        for (const { group } of batch) for (const w of group) w.reject(error);
      }
    }
    recording = false;
  };

  const store = async (): Promise<void> => {
    for (let group = takeGroup(); group.length > 0; group = takeGroup()) {
      // A result the store refuses for good is stored as a failed line instead (`storeResultGroup`).
      let parts: StoredResults[];
      try {
        parts = await storeResultGroup(
          deps,
          jobId,
          chunk,
          group.map((w) => w.result),
        );
      } catch (error) {
        for (const w of group) w.reject(error);
        continue;
      }
      let at = 0;
      for (const { results, resultKey } of parts) {
        const waiters = group.slice(at, at + results.length);
        at += results.length;
        stored.push({ group: waiters.map((w, i) => ({ ...w, result: results[i] ?? w.result })), resultKey });
      }
      if (!recording) {
        recording = true;
        void record();
      }
    }
    storing = false;
  };

  return {
    recordedResults,
    get lastSeenChunk() {
      return lastSeenChunk;
    },
    record: (result) =>
      new Promise<Outcome>((resolve, reject) => {
        waiting.push({ result, resolve, reject });
        if (!storing) {
          storing = true;
          void store();
        }
      }),
  };
}

/**
 * The stages of one `thinkbatch run`, read from its `run.log` (JSON lines with `time` and `message`):
 * fan-out from the job's creation to "fan-out finished", processing until "all chunks done", finalize
 * from "finalizing job" to "job finished". Workers start while fan-out still reads, so the stages overlap.
 */

/** Epoch ms of each stage boundary; null when the log does not have it. */
export interface RunStages {
  readonly created: number | null;
  readonly fanOutFinished: number | null;
  readonly chunksDone: number | null;
  readonly finalizing: number | null;
  readonly finished: number | null;
}

const MARKERS = {
  created: 'job created',
  fanOutFinished: 'fan-out finished',
  chunksDone: 'all chunks done; requesting finalize',
  finalizing: 'finalizing job',
  finished: 'job finished',
} as const satisfies Record<keyof RunStages, string>;

/** The first time each marker appears in `log` (JSON lines; other lines are ignored). */
export function parseRunStages(log: string): RunStages {
  const found: Record<keyof RunStages, number | null> = {
    created: null,
    fanOutFinished: null,
    chunksDone: null,
    finalizing: null,
    finished: null,
  };
  const byMessage = new Map<string, keyof RunStages>(
    Object.entries(MARKERS).map(([stage, message]) => [message, stage as keyof RunStages]),
  );
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { time?: unknown; message?: unknown };
    try {
      entry = JSON.parse(line) as { time?: unknown; message?: unknown };
    } catch {
      continue;
    }
    const stage = typeof entry.message === 'string' ? byMessage.get(entry.message) : undefined;
    if (stage === undefined || found[stage] !== null || typeof entry.time !== 'string') continue;
    const time = Date.parse(entry.time);
    if (Number.isFinite(time)) found[stage] = time;
  }
  return found;
}

/** Lines per second of each stage (null when a boundary is missing or the stage took no time). */
export interface StageRates {
  readonly fanOut: number | null;
  readonly processing: number | null;
  readonly finalize: number | null;
}

const rate = (lines: number, from: number | null, to: number | null): number | null =>
  from === null || to === null || to <= from ? null : lines / ((to - from) / 1000);

/** Fan-out: created → fan-out finished; processing: created → all chunks done; finalize: finalizing → finished. */
export function stageRates(stages: RunStages, lines: number): StageRates {
  return {
    fanOut: rate(lines, stages.created, stages.fanOutFinished),
    processing: rate(lines, stages.created, stages.chunksDone),
    finalize: rate(lines, stages.finalizing, stages.finished),
  };
}

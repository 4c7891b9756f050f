import type { ChunkRecord, LineRecord } from '../job/chunk';
import { jobKeys } from '../job/job-keys';
import type { LineRef } from '../job/work-message';
import { ResultLine } from '../results/result-line';
import type { PipelineDeps } from './pipeline-deps';
import { parseResultObject } from './result-objects';

/**
 * A delivery that crashed after storing a group's result object but before recording it leaves the
 * results behind. Record those instead of paying for the calls again. Only lines with attempts can have
 * one, and a line another delivery holds right now is left alone (its holder is about to record it).
 * The chunk's objects are listed once and each read once, whatever the number of such lines; the lines
 * found are recorded together (`JobStore.recordLines`: each once, whoever else records it meanwhile).
 */
export async function adoptOrphanedResults(
  deps: Pick<PipelineDeps, 'output' | 'jobs' | 'clock' | 'log'>,
  chunk: ChunkRecord,
  lines: readonly LineRef[],
): Promise<ChunkRecord> {
  const now = deps.clock.now();
  const wanted = new Set(
    lines
      .map((ref) => ref.line)
      .filter((line) => {
        const key = String(line);
        if ((chunk.attempts[key] ?? 0) === 0 || chunk.recorded[key] !== undefined) return false;
        const lease = chunk.leases[key];
        return lease === undefined || lease.until <= now;
      }),
  );
  if (wanted.size === 0) return chunk;
  const found = new Map<number, LineRecord>();
  for await (const resultKey of deps.output.list(jobKeys.chunkLinesPrefix(chunk.jobId, chunk.index))) {
    const body = await deps.output.get(resultKey);
    if (body === null) continue;
    for (const [line, text] of parseResultObject(body)) {
      if (!wanted.has(line) || found.has(line)) continue;
      const stored = storedResult(text, line);
      if (stored === null) continue;
      found.set(line, {
        line,
        status: stored.status,
        resultKey,
        usage: stored.usage,
        attempts: stored.attempts,
      });
    }
    if (found.size === wanted.size) break;
  }
  if (found.size === 0) return chunk;
  const outcome = await deps.jobs.recordLines(chunk.jobId, chunk.index, [...found.values()]);
  deps.log.info('adopted a stored result left by an interrupted delivery', {
    jobId: chunk.jobId,
    chunk: chunk.index,
    lines: [...found.keys()],
  });
  return outcome.chunk;
}

function storedResult(text: string, line: number): ResultLine | null {
  try {
    const parsed = ResultLine.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.line === line ? parsed.data : null;
  } catch {
    return null; // a partial write: not a result
  }
}

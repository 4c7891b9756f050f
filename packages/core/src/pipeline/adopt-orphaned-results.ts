import type { ChunkRecord } from '../job/chunk';
import { jobKeys } from '../job/job-keys';
import type { LineRef } from '../job/work-message';
import { ResultLine } from '../results/result-line';
import type { PipelineDeps } from './pipeline-deps';

/**
 * A delivery that crashed after storing a line's result but before recording it leaves the result
 * behind. Record that one instead of paying for the call again. Only lines with attempts can have one,
 * and a line another delivery holds right now is left alone (its holder is about to record it).
 */
export async function adoptOrphanedResults(
  deps: Pick<PipelineDeps, 'output' | 'jobs' | 'clock' | 'log'>,
  chunk: ChunkRecord,
  lines: readonly LineRef[],
): Promise<ChunkRecord> {
  let current = chunk;
  for (const ref of lines) {
    const key = String(ref.line);
    if ((current.attempts[key] ?? 0) === 0 || current.recorded[key] !== undefined) continue;
    const lease = current.leases[key];
    if (lease !== undefined && lease.until > deps.clock.now()) continue;
    for await (const resultKey of deps.output.list(
      jobKeys.lineResultPrefix(chunk.jobId, chunk.index, ref.line),
    )) {
      const stored = await readStoredResult(deps, resultKey);
      if (stored === null || stored.line !== ref.line) continue;
      const outcome = await deps.jobs.recordLine(chunk.jobId, chunk.index, {
        line: ref.line,
        status: stored.status,
        resultKey,
        usage: stored.usage,
        attempts: stored.attempts,
      });
      deps.log.info('adopted a stored result left by an interrupted delivery', {
        jobId: chunk.jobId,
        line: ref.line,
      });
      current = outcome.chunk;
      break;
    }
  }
  return current;
}

async function readStoredResult(deps: Pick<PipelineDeps, 'output'>, key: string): Promise<ResultLine | null> {
  const body = await deps.output.get(key);
  if (body === null) return null;
  try {
    const parsed = ResultLine.safeParse(JSON.parse(new TextDecoder().decode(body)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // a partial write: not a result
  }
}

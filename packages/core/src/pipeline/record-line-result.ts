import type { ChunkRecord } from '../job/chunk';
import { jobKeys } from '../job/job-keys';
import type { LineError, LineStatus, ResultLine } from '../results/result-line';
import type { PipelineDeps } from './pipeline-deps';

/** A result line for a line that never got an answer (input error, cancelled, expired, dead-lettered). */
export function unansweredResult(args: {
  customId: string;
  line: number;
  status: Exclude<LineStatus, 'succeeded'>;
  error: LineError;
  attempts: number;
  model: string | null;
}): ResultLine {
  return {
    custom_id: args.customId,
    line: args.line,
    status: args.status,
    reasoning: null,
    answer: null,
    finish_reason: null,
    usage: null,
    attempts: args.attempts,
    latency_ms: null,
    model: args.model,
    request_id: null,
    error: args.error,
  };
}

/**
 * Persist a finished line: store its result object, then record it in the chunk (one conditional update
 * that also counts it). When another delivery recorded the line first, that record wins and this
 * object is removed again, so stored results and counters always agree.
 */
export async function recordLineResult(
  deps: Pick<PipelineDeps, 'output' | 'jobs' | 'newToken' | 'log'>,
  jobId: string,
  chunk: number,
  result: ResultLine,
): Promise<{ recorded: boolean; chunk: ChunkRecord }> {
  const resultKey = jobKeys.lineResult(jobId, chunk, result.line, deps.newToken());
  await deps.output.put(resultKey, JSON.stringify(result), { contentType: 'application/json' });
  const outcome = await deps.jobs.recordLine(jobId, chunk, {
    line: result.line,
    status: result.status,
    resultKey,
    usage: result.usage,
    attempts: result.attempts,
  });
  // Lost the race: drop this copy, unless the winner adopted this very object (a crash-recovery path).
  if (!outcome.recorded && outcome.chunk.recorded[String(result.line)]?.resultKey !== resultKey) {
    deps.log.warn('line already recorded by another delivery; dropping this result', {
      jobId,
      chunk,
      line: result.line,
    });
    await deps.output.delete([resultKey]);
  }
  return outcome;
}

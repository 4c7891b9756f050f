import type { ChunkRecord, LineRecord } from '../job/chunk';
import { jobKeys } from '../job/job-keys';
import type { LineError, LineStatus, ResultLine } from '../results/result-line';
import type { PipelineDeps } from './pipeline-deps';
import { resultObjectBody } from './result-objects';

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
  const record = await storeLineResult(deps, jobId, chunk, result);
  const outcome = await deps.jobs.recordLine(jobId, chunk, record);
  await dropLostResult(deps, jobId, record, outcome);
  return outcome;
}

/** Store a finished line's result object (under a fresh key) and say what recording it adds. */
export async function storeLineResult(
  deps: Pick<PipelineDeps, 'output' | 'newToken'>,
  jobId: string,
  chunk: number,
  result: ResultLine,
): Promise<LineRecord> {
  const resultKey = jobKeys.lineResult(jobId, chunk, result.line, deps.newToken());
  await deps.output.put(resultKey, resultObjectBody([result]), { contentType: 'application/json' });
  return {
    line: result.line,
    status: result.status,
    resultKey,
    usage: result.usage,
    attempts: result.attempts,
  };
}

/**
 * After a record lost the race (another delivery recorded the line first): drop this copy of the
 * result, unless the winner adopted this very object (a crash-recovery path).
 */
export async function dropLostResult(
  deps: Pick<PipelineDeps, 'output' | 'log'>,
  jobId: string,
  record: LineRecord,
  outcome: { readonly recorded: boolean; readonly chunk: ChunkRecord },
): Promise<void> {
  if (outcome.recorded || outcome.chunk.recorded[String(record.line)]?.resultKey === record.resultKey) return;
  deps.log.warn('line already recorded by another delivery; dropping this result', {
    jobId,
    chunk: outcome.chunk.index,
    line: record.line,
  });
  await deps.output.delete([record.resultKey]);
}

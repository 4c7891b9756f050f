import type { LineRef, RunChunkMessage } from '../job/work-message';
import { callsMade } from './line-call';
import type { PipelineDeps } from './pipeline-deps';
import { recordLineResult, unansweredResult } from './record-line-result';

/**
 * End the lines of a work item that was handed back `maxHandoffs` times and would be handed back again:
 * each is recorded failed (`handoffs_exhausted`) with the attempts made so far, so the chain worker →
 * queue → worker ends with one result per line instead of looping (or being cut by Lambda's loop
 * detection and dead-lettered). A line another delivery recorded meanwhile keeps that record.
 */
export async function endHandedBackLines(
  deps: PipelineDeps,
  message: RunChunkMessage,
  handedBack: readonly { readonly ref: LineRef }[],
): Promise<void> {
  const { jobId, chunk: index } = message;
  deps.log.warn('work item handed back too often; ending its lines', {
    jobId,
    chunk: index,
    handoffs: message.handoffs,
    lines: handedBack.length,
  });
  for (const { ref } of handedBack) {
    const chunk = await deps.jobs.getChunk(jobId, index);
    if (chunk === null || chunk.recorded[String(ref.line)] !== undefined) continue;
    const result = unansweredResult({
      customId: ref.customId,
      line: ref.line,
      status: 'failed',
      error: {
        code: 'handoffs_exhausted',
        message: `line ${ref.line}: its work item was handed back ${message.handoffs} times (endpoint capacity, time running out or another delivery holding the line) without finishing it`,
      },
      attempts: callsMade(chunk, ref),
      model: null,
    });
    await recordLineResult(deps, jobId, index, result);
  }
}

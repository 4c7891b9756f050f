import { isTerminalJobStatus } from '../job/job';
import type { WorkMessage } from '../job/work-message';
import { adoptOrphanedResults } from './adopt-orphaned-results';
import type { PipelineDeps } from './pipeline-deps';
import { recordLineResult, unansweredResult } from './record-line-result';
import { settleChunk } from './settle-chunk';

/**
 * A work item that exhausted its deliveries still ends as result lines: every line it held that is not
 * recorded yet, and not leased by another live delivery, is recorded as failed (`dead_lettered`), and
 * the chunk settles as usual. A dead-lettered
 * finalize request fails the job, loudly, since its outputs could not be written.
 */
export async function handleDeadLetter(
  deps: PipelineDeps,
  message: WorkMessage,
  receiveCount: number,
): Promise<void> {
  if (message.type === 'finalize_job') {
    deps.log.error('finalize request dead-lettered; failing the job', { jobId: message.jobId, receiveCount });
    await deps.jobs.transitionJob(message.jobId, {
      from: ['queued', 'running', 'finalizing'],
      to: 'failed',
      now: deps.clock.now(),
      error: {
        code: 'finalize_failed',
        message: `merging the results failed ${receiveCount} times; see the worker logs`,
      },
    });
    return;
  }
  const { jobId, chunk: index } = message;
  const job = await deps.jobs.getJob(jobId);
  if (job === null || isTerminalJobStatus(job.status)) return; // nothing left to settle
  const chunk = await deps.jobs.getChunk(jobId, index);
  if (chunk === null) {
    deps.log.warn('dead-lettered work item for an unknown chunk; dropping it', { jobId, chunk: index });
    return;
  }
  // A result a crashed delivery stored is still the line's answer: keep it rather than fail the line.
  let latest = await adoptOrphanedResults(deps, chunk, message.lines);
  const now = deps.clock.now();
  for (const ref of message.lines) {
    if (latest.recorded[String(ref.line)] !== undefined) continue;
    // A line another delivery is answering right now is that delivery's to record: its own message
    // carries the line (and comes back, or is dead-lettered in turn, if it dies). Failing it here would
    // throw away an answer being paid for. (The deliveries of this message ended before it got here.)
    const lease = latest.leases[String(ref.line)];
    if (lease !== undefined && lease.until > now) {
      deps.log.info('dead-lettered line is held by a live delivery; leaving it to that one', {
        jobId,
        chunk: index,
        line: ref.line,
      });
      continue;
    }
    const attempts = latest.attempts[String(ref.line)] ?? 0;
    const error = {
      code: 'dead_lettered' as const,
      message: `line ${ref.line}: its work item failed ${receiveCount} deliveries (worker crashes or timeouts) and was dead-lettered`,
    };
    const result = unansweredResult({
      customId: ref.customId,
      line: ref.line,
      status: 'failed',
      error,
      attempts,
      model: null,
    });
    ({ chunk: latest } = await recordLineResult(deps, jobId, index, result));
  }
  await settleChunk(deps, latest);
}

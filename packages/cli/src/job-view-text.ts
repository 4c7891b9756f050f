import type { components } from '@thinkbatch/api/client';
import { formatDuration } from './progress-reporter';

/** A job as the API describes it (`GET /v1/jobs/{id}`). */
export type JobView = components['schemas']['Job'];

const count = (n: number): string => n.toLocaleString('en-US');

/** Milliseconds from now until an instant, or null. */
function untilInstant(instant: string | null, now: number): number | null {
  return instant === null ? null : Math.max(0, Date.parse(instant) - now);
}

/**
 * One line of a job's progress, as `status --watch` redraws it, e.g.
 * `job_… running 12/40 lines (30%), 0 failed, 1,234 tokens, 96.0 lines/min, ETA 18s`.
 */
export function formatJobProgress(job: JobView, now = Date.now()): string {
  const { progress } = job;
  const total = progress.lines_total === null ? '?' : String(progress.lines_total);
  const percent =
    progress.lines_total === null || progress.lines_total === 0
      ? ''
      : ` (${Math.floor((progress.lines_done / progress.lines_total) * 100)}%)`;
  const parts = [
    `${job.id} ${job.status} ${progress.lines_done}/${total} lines${percent}`,
    `${progress.failed} failed`,
  ];
  if (progress.cancelled > 0) parts.push(`${progress.cancelled} cancelled`);
  if (progress.expired > 0) parts.push(`${progress.expired} expired`);
  parts.push(`${count(job.tokens.total_tokens)} tokens`);
  const rate = job.throughput.lines_per_minute;
  if (rate !== null) parts.push(`${rate.toFixed(1)} lines/min`);
  if (job.eta !== null) parts.push(`ETA ${formatDuration(untilInstant(job.eta, now))}`);
  if (job.cancel_requested && job.status !== 'cancelled') parts.push('cancel requested');
  return parts.join(', ');
}

/** A job in a few lines, for people: status, counts, tokens, cost, timestamps, parent, error. */
export function describeJobView(job: JobView): string {
  const { progress, tokens } = job;
  const cancelling = job.cancel_requested && job.status !== 'cancelled';
  const lines = [`job ${job.id} ${job.status}${cancelling ? ' (cancel requested)' : ''}`];
  if (job.error !== null) lines.push(`error: ${job.error.code}: ${job.error.message}`);
  lines.push(
    `lines: ${progress.lines_done}/${progress.lines_total ?? '?'} done (${progress.succeeded} succeeded, ${progress.failed} failed, ${progress.cancelled} cancelled, ${progress.expired} expired; counts: ${progress.basis})`,
    `tokens: ${count(tokens.prompt_tokens)} prompt, ${count(tokens.completion_tokens)} completion (${count(tokens.reasoning_tokens)} reasoning), ${count(tokens.total_tokens)} total`,
  );
  if (job.cost !== null)
    lines.push(
      `estimated cost: $${job.cost.total}${job.cost.partial ? ' (partial)' : ''} (${job.cost.basis})`,
    );
  const rate = job.throughput.lines_per_minute;
  if (rate !== null) lines.push(`throughput: ${rate.toFixed(1)} lines/min`);
  if (job.eta !== null) lines.push(`ETA: ${job.eta}`);
  lines.push(`created: ${job.created_at}`);
  if (job.finished_at !== null) lines.push(`finished: ${job.finished_at}`);
  lines.push(`input: ${job.input.key}${job.input.uploaded ? '' : ' (awaiting its upload)'}`);
  if (job.parent_job_id !== null) lines.push(`retry of: ${job.parent_job_id}`);
  return `${lines.join('\n')}\n`;
}

/** One row of `thinkbatch jobs`. */
export function formatJobRow(job: JobView): string {
  const { progress } = job;
  const done = `${progress.lines_done}/${progress.lines_total ?? '?'}`;
  const parent = job.parent_job_id === null ? '' : `  retry of ${job.parent_job_id}`;
  return `${job.id.padEnd(30)} ${job.status.padEnd(10)} ${done.padStart(11)} lines  ${String(progress.failed).padStart(5)} failed  ${job.created_at}${parent}`;
}

/** Errors of a line that ended unanswered, safe to store (adapters keep secrets out of messages). */
import type { ModelCallFailure } from '../ports/model-client';
import type { LineError } from '../results/result-line';

/** A line's error from a failure that ended it. */
export function lineError(
  code: LineError['code'],
  line: number,
  failure: ModelCallFailure,
  reason: string,
): LineError {
  const detail = describeFailure(failure);
  // A reason that already names the failure (a permanent HTTP error) is not followed by it again.
  const message = reason.includes(detail) ? `line ${line}: ${reason}` : `line ${line}: ${reason} (${detail})`;
  const base: LineError = { code, message };
  return failure.type === 'http_error' ? { ...base, http_status: failure.status } : base;
}

/** A one-line description of a failure, safe to store (adapters keep secrets out of messages). */
export function describeFailure(failure: ModelCallFailure): string {
  return failure.type === 'http_error'
    ? `HTTP ${failure.status}: ${failure.message}`
    : `${failure.type}: ${failure.message}`;
}

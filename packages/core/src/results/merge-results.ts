import type { LineErrorCode, ResultLine } from './result-line';

/**
 * Failures of the input line itself: running it again fails the same way, so a retry leaves these lines
 * out and a merge keeps them as they were (a duplicate `custom_id` names another line's request).
 */
export const INPUT_ERROR_CODES: readonly LineErrorCode[] = [
  'invalid_json',
  'invalid_request',
  'duplicate_custom_id',
  'line_too_large',
  'invalid_utf8',
];

/** True when a result line failed on its input (see `INPUT_ERROR_CODES`). */
export function failedOnInput(result: Pick<ResultLine, 'error'>): boolean {
  return result.error !== null && INPUT_ERROR_CODES.includes(result.error.code);
}

/**
 * A parent job's result lines with those of a retry merged over them by `custom_id`, in the parent's
 * order (one line per parent line, `line` the parent's line number): a parent line whose `custom_id` the
 * retry ran is replaced by the retry's result, the latest word on that request; the others stay as they
 * were, and so does a line that failed on its input (a retry never ran it). A retry line whose
 * `custom_id` the parent does not have is left out (it cannot be placed). Memory holds the retry's
 * lines (a retry is the failed part of its parent), never the parent's.
 */
export async function* mergeResults(
  parent: AsyncIterable<ResultLine>,
  retry: AsyncIterable<ResultLine>,
): AsyncGenerator<ResultLine> {
  const retried = new Map<string, ResultLine>();
  for await (const line of retry) if (!retried.has(line.custom_id)) retried.set(line.custom_id, line);
  for await (const line of parent) {
    const newer = failedOnInput(line) ? undefined : retried.get(line.custom_id);
    yield newer === undefined ? line : { ...newer, line: line.line };
  }
}

import { ErrorCode } from '../errors/error-code';
import { defaultCustomId } from '../input/normalize-input-line';
import type { JobRecord } from '../job/job';
import { gunzipBounded, peekGzip } from '../jsonl/gzip-input';
import { readJsonlLines } from '../jsonl/jsonl-reader';
import { failedOnInput } from '../results/merge-results';
import type { LineStatus, ResultLine } from '../results/result-line';
import { FANOUT } from '../settings';
import type { PipelineDeps } from './pipeline-deps';
import { PipelineError } from './pipeline-error';

/** Whether a result line is one a retry of `statuses` runs again: never one that failed on its input. */
export function isRetried(
  result: Pick<ResultLine, 'status' | 'error'>,
  statuses: readonly LineStatus[],
): boolean {
  return statuses.includes(result.status) && !failedOnInput(result);
}

/**
 * The input of a retry: the parent's input lines (the pinned version) whose results have one of
 * `statuses` and did not fail on the input itself, in input order, each with its `custom_id` written
 * out (a line that had none was `line-<n>` by its position in the parent, which the retry's positions
 * would change), so the retry's results merge back by `custom_id` (`mergeResults`). Reads the parent's
 * results and input side by side, once: memory is bounded by a line. Throws `PipelineError` when the
 * parent has no results file or its input is gone or changed.
 */
export async function* retryInputLines(
  deps: Pick<PipelineDeps, 'input' | 'output'>,
  parent: Pick<JobRecord, 'jobId' | 'input' | 'outputs'>,
  results: AsyncIterable<ResultLine>,
  statuses: readonly LineStatus[],
): AsyncGenerator<string> {
  const { key, etag } = parent.input;
  const source = await deps.input.stream(key, { ifMatch: etag });
  if (source === null)
    throw new PipelineError(`job ${parent.jobId}: its input ${key} no longer exists`, {
      code: ErrorCode.notFound,
    });
  // A gzip upload is read through decompression, as fan-out read it.
  const peeked = await peekGzip(source);
  const bytes = peeked.gzip ? gunzipBounded(peeked.bytes, FANOUT.maxDecompressedBytes).bytes : peeked.bytes;
  const lines = readJsonlLines(bytes)[Symbol.asyncIterator]();
  for await (const result of results) {
    if (!isRetried(result, statuses)) continue;
    let record = await lines.next();
    while (record.done !== true && record.value.lineNumber < result.line) record = await lines.next();
    if (record.done === true || record.value.lineNumber !== result.line || record.value.kind !== 'line')
      throw new PipelineError(`job ${parent.jobId}: line ${result.line} of its input cannot be read back`);
    yield withCustomId(record.value.text, result.custom_id, result.line);
  }
  await lines.return?.();
}

/** The line with `custom_id` set: as it was when it names it already, else re-serialised with it. */
function withCustomId(text: string, customId: string, line: number): string {
  const clean = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const value: unknown = JSON.parse(clean);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new PipelineError(`line ${line} of the input is not a JSON object`);
  if ((value as { custom_id?: unknown }).custom_id === customId) return clean;
  if (customId !== defaultCustomId(line))
    throw new PipelineError(`line ${line} of the input does not carry its custom_id ${customId}`);
  return JSON.stringify({ custom_id: customId, ...value });
}

import { ErrorCode } from '../errors/error-code';
import { ThinkbatchError } from '../errors/thinkbatch-error';
import type { JsonlRecord } from './jsonl-reader';

/** How much of a file's start decides whether it is JSONL at all. */
export const NOT_JSONL_CHECK = {
  /** Non-blank lines looked at. @default 100 */
  windowLines: 100,
  /** Bytes of line text held while looking (the window ends early past them). @default 16 MiB */
  windowBytes: 16 * 1024 * 1024,
  /** Fewer lines than this are never judged: a small file's bad lines are line errors. @default 3 */
  minLines: 3,
  /** Share of the window that must look like no JSON at all. @default 0.8 */
  notJsonShare: 0.8,
} as const;

/**
 * A file is plainly not JSONL (binary, text, CSV…), or not one request in a full window is runnable (a
 * data set in another schema): one job-level error instead of a failed line each.
 */
export class NotJsonlError extends ThinkbatchError {
  override name = 'NotJsonlError';
  constructor(
    message: string,
    /** `not_jsonl`: not JSON; `no_requests`: JSON, but no line of the window is a request. */
    readonly reason: 'not_jsonl' | 'no_requests' = 'not_jsonl',
  ) {
    super(message, { code: ErrorCode.invalidValue });
  }
}

/** Why a line read as text is no request the job can run, or null when it is one. */
export type RequestProblem = (record: JsonlRecord & { kind: 'line' }) => string | null;

/**
 * Whether a line looks like no JSON at all: not UTF-8, holding a NUL byte, or neither parsing as JSON
 * nor starting like an object. A broken JSON object still looks like JSON (a typo is a line error); a
 * line too large to read says nothing either way (null).
 */
export function looksLikeNoJson(record: JsonlRecord): boolean | null {
  if (record.kind === 'error') return record.error.code === 'invalid_utf8' ? true : null;
  const text = record.text.trimStart();
  if (text.includes('\u0000')) return true;
  if (text.startsWith('{') || text.startsWith('\uFEFF{')) return false;
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
}

/**
 * Pass a file's records through, after looking at its first lines: throws `NotJsonlError` before
 * yielding anything when at least `minLines` of them were judged and `notJsonShare` of those look like
 * no JSON, or — given `requestProblem` — when a full window (`windowLines`) holds no runnable request.
 * Holds at most `windowLines` records (and about `windowBytes` of their text) meanwhile.
 */
export async function* checkLooksLikeJsonl(
  records: AsyncIterable<JsonlRecord>,
  requestProblem: RequestProblem | null = null,
  check: typeof NOT_JSONL_CHECK = NOT_JSONL_CHECK,
): AsyncGenerator<JsonlRecord, void, undefined> {
  const iterator = records[Symbol.asyncIterator]();
  try {
    yield* judged(iterator, requestProblem, check);
  } finally {
    await iterator.return?.();
  }
}

async function* judged(
  iterator: AsyncIterator<JsonlRecord>,
  requestProblem: RequestProblem | null,
  check: typeof NOT_JSONL_CHECK,
): AsyncGenerator<JsonlRecord, void, undefined> {
  const window: JsonlRecord[] = [];
  let bytes = 0;
  let judged = 0;
  const noJson: number[] = [];
  let done = false;
  while (window.length < check.windowLines && bytes < check.windowBytes) {
    const next = await iterator.next();
    if (next.done === true) {
      done = true;
      break;
    }
    const record = next.value;
    window.push(record);
    bytes += record.kind === 'line' ? record.text.length : 0;
    const verdict = looksLikeNoJson(record);
    if (verdict === null) continue;
    judged += 1;
    if (verdict) noJson.push(record.lineNumber);
  }
  if (judged >= check.minLines && noJson.length >= check.notJsonShare * judged) {
    const shown = noJson.slice(0, 3).join(', ');
    throw new NotJsonlError(
      `the input is not JSONL: ${noJson.length} of its first ${judged} lines are not JSON (binary or plain text; lines ${shown}${noJson.length > 3 ? ', …' : ''}). Expected one JSON object per line, UTF-8, optionally gzip-compressed`,
    );
  }
  if (requestProblem !== null && window.length >= check.windowLines) {
    let first: string | null = null;
    let runnable = false;
    for (const record of window) {
      const problem = record.kind === 'line' ? requestProblem(record) : record.error.message;
      if (problem === null) {
        runnable = true;
        break;
      }
      first ??= problem;
    }
    if (!runnable)
      throw new NotJsonlError(
        `none of the first ${window.length} lines is a request thinkbatch can run (${first}). Expected lines like {"prompt": "…"}, {"messages": [{"role": "user", "content": "…"}]} or OpenAI Batch lines`,
        'no_requests',
      );
  }
  yield* window;
  if (done) return;
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value;
}

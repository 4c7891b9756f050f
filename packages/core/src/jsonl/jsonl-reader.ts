import { ConfigurationError } from '../errors/thinkbatch-error';
import type { LineErrorCode } from '../results/result-line';
import { FANOUT } from '../settings';
import { concat, LineSplitter } from './jsonl-line-splitter';

const EMPTY = new Uint8Array(0);

/** Default limit on the bytes of one line's content: 8 MiB. */
export const DEFAULT_MAX_LINE_BYTES = FANOUT.maxLineBytes;

/** Why the reader could not turn a line into text; both are `LineErrorCode`s. */
export type JsonlReadErrorCode = Extract<LineErrorCode, 'line_too_large' | 'invalid_utf8'>;

/** Where a line sits in the source: absolute offsets of its content, terminator and trailing `\r` excluded. */
export interface JsonlLinePosition {
  /** 1-based physical line number; blank lines are skipped but counted. */
  lineNumber: number;
  /** Offset of the line's first content byte (inclusive). */
  byteStart: number;
  /** Offset just past the line's last content byte (exclusive). */
  byteEnd: number;
}

/** A non-blank line, decoded. */
export interface JsonlLine extends JsonlLinePosition {
  kind: 'line';
  /** The line as UTF-8 text, without terminator or trailing `\r`. */
  text: string;
}

/** A line that could not be read; reading goes on with the next one. */
export interface JsonlLineError extends JsonlLinePosition {
  kind: 'error';
  error: { code: JsonlReadErrorCode; message: string };
}

/** What `readJsonlLines` yields for each non-blank line. */
export type JsonlRecord = JsonlLine | JsonlLineError;

export interface ReadJsonlLinesOptions {
  /**
   * Longest line content, in bytes, that is decoded; a longer line is reported as `line_too_large` and
   * its bytes are skipped without being buffered, so memory stays within this plus one chunk.
   * @default DEFAULT_MAX_LINE_BYTES (8 MiB)
   */
  maxLineBytes?: number;
  /**
   * Absolute offset of the source's first byte, for a source that is a byte range of a larger object
   * (a worker reading its slice). It must be the start of a line. A UTF-8 BOM is recognised only at 0.
   * @default 0
   */
  startByte?: number;
  /**
   * Line number of the line that starts at `startByte`.
   * @default 1
   */
  startLineNumber?: number;
}

/**
 * Split a byte stream into JSONL lines. Terminators are `\n` and `\r\n` (a lone `\r` is content, but one
 * `\r` at the end of a line, even an unterminated last line, is dropped). Lines holding only JSON
 * whitespace (space, tab, `\r`) are skipped. A UTF-8 BOM at the very start is skipped. Chunks may split
 * lines and characters anywhere; each chunk may be reused by the source once the next one is asked for.
 * Memory stays within `maxLineBytes` plus one chunk, whatever the size of the source or of a line.
 * Options are checked on the first `next()`: a bad one rejects it with a `ConfigurationError`.
 *
 * @example
 * for await (const record of readJsonlLines(createReadStream('input.jsonl'))) …
 */
export async function* readJsonlLines(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ReadJsonlLinesOptions = {},
): AsyncGenerator<JsonlRecord, void, undefined> {
  const maxLineBytes = integerAtLeast('maxLineBytes', options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, 1);
  const startByte = integerAtLeast('startByte', options.startByte ?? 0, 0);
  const startLineNumber = integerAtLeast('startLineNumber', options.startLineNumber ?? 1, 1);
  const splitter = new LineSplitter(maxLineBytes, startByte, startLineNumber);
  // At offset 0, up to 3 bytes are held back until we know whether they are a BOM.
  let head: Uint8Array | undefined = startByte === 0 ? EMPTY : undefined;
  for await (const chunk of source) {
    if (head === undefined) {
      yield* splitter.push(chunk);
      continue;
    }
    const bytes = head.length === 0 ? chunk : concat([head, chunk], head.length + chunk.length);
    if (bytes.length < 3) {
      head = bytes.slice();
      continue;
    }
    head = undefined;
    yield* splitter.push(splitter.skipBom(bytes));
  }
  if (head !== undefined) yield* splitter.push(head);
  yield* splitter.end();
}

function integerAtLeast(name: string, value: number, min: 0 | 1): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigurationError(`${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

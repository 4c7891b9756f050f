import { ErrorCode } from '../errors/error-code';
import { ThinkbatchError } from '../errors/thinkbatch-error';

const LF = 0x0a;
const CR = 0x0d;

/** One decoder for every line: `decode` without `stream` keeps no state between calls. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes that claim to be one JSONL line are not valid UTF-8. */
export class InvalidUtf8Error extends ThinkbatchError {
  override name = 'InvalidUtf8Error';
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: ErrorCode.invalidValue });
  }
}

/** True when `bytes` starts with the UTF-8 byte order mark `EF BB BF`. */
export function startsWithUtf8Bom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/**
 * Decode `bytes` as strict UTF-8, keeping any U+FEFF as text.
 * Returns `undefined` when the bytes are not valid UTF-8.
 */
export function tryDecodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Decode the bytes of one JSONL line fetched by offset (a claim check: a worker reads
 * `[byteStart, byteEnd)` of a record from `readJsonlLines` out of the input object).
 *
 * A trailing `\n`, then a trailing `\r`, is dropped, so a range that includes the line terminator
 * decodes the same; so is a leading UTF-8 BOM, so a range that starts at byte 0 of a file decodes like
 * line 1 does. For every record of `readJsonlLines`, `decodeLineBytes(bytes.subarray(byteStart, byteEnd))`
 * equals its `text`, except for a line after the first whose text itself starts with U+FEFF (not valid
 * JSON either way).
 *
 * @throws InvalidUtf8Error when the bytes are not valid UTF-8: the reader reported such a line as an
 * error, so finding one here means the range or the object is not the one that was read.
 */
export function decodeLineBytes(bytes: Uint8Array): string {
  const start = startsWithUtf8Bom(bytes) ? 3 : 0;
  let end = bytes.length;
  if (end > start && bytes[end - 1] === LF) end -= 1;
  if (end > start && bytes[end - 1] === CR) end -= 1;
  const text = tryDecodeUtf8(bytes.subarray(start, end));
  if (text === undefined)
    throw new InvalidUtf8Error(`${end - start} bytes of a JSONL line are not valid UTF-8`);
  return text;
}

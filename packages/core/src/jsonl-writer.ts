import { ConfigurationError, ThinkbatchError } from './errors';

/** Default size a chunk of `jsonlEncode` fills up to before it is yielded: 64 KiB. */
export const DEFAULT_JSONL_CHUNK_BYTES = 64 * 1024;

export interface JsonlEncodeOptions {
  /**
   * Lines are gathered into chunks of at most this many bytes; a single longer line is a chunk of its own.
   * For an S3 multipart upload that takes each chunk as a part, use at least 5 MiB.
   * @default DEFAULT_JSONL_CHUNK_BYTES (64 KiB)
   */
  chunkBytes?: number;
}

/** A value that `JSON.stringify` turns into nothing (`undefined`, a function, a symbol). */
export class NotJsonError extends ThinkbatchError {
  override name = 'NotJsonError';
}

/** Characters some line splitters break on (Python's `str.splitlines`, old JS parsers) that JSON leaves raw. */
const UNSAFE_LINE_BREAKS = /[\u0085\u2028\u2029]/g;
const escapeUnicode = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Serialise values as JSON Lines: `JSON.stringify(value)` plus `\n` each, with U+0085, U+2028 and U+2029
 * escaped so no line holds anything a line splitter could break on. Lines are batched into chunks for
 * throughput; every chunk holds whole lines (it ends with `\n`) and is a new buffer, never reused.
 * A chunk is yielded only once full or at the end, so this suits files and uploads, not live tailing.
 *
 * The generator feeds any byte sink:
 * - Node: `await pipeline(jsonlEncode(results), createWriteStream(path))` (`node:stream/promises`);
 * - web: `await ReadableStream.from(jsonlEncode(results)).pipeTo(writable)`;
 * - S3: `new Upload({ client, params: { Body: Readable.from(jsonlEncode(results)), … } })`, or parts
 *   uploaded chunk by chunk with `chunkBytes` of at least 5 MiB.
 *
 * @throws NotJsonError for a value that has no JSON form; `JSON.stringify`'s own TypeError for a
 * BigInt or a cycle. Both are bugs in the caller.
 */
export async function* jsonlEncode(
  values: AsyncIterable<unknown> | Iterable<unknown>,
  options: JsonlEncodeOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_JSONL_CHUNK_BYTES;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new ConfigurationError(`chunkBytes must be an integer >= 1, got ${chunkBytes}`);
  }
  const encoder = new TextEncoder();
  let buffer = new Uint8Array(chunkBytes);
  let used = 0;
  let index = 0;
  for await (const value of values) {
    const line = `${toJsonLine(value, index)}\n`;
    index += 1;
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes, so this line surely fits.
    if (line.length * 3 <= chunkBytes - used) {
      used += encoder.encodeInto(line, buffer.subarray(used)).written;
      continue;
    }
    const bytes = encoder.encode(line);
    if (used > 0 && used + bytes.length > chunkBytes) {
      yield buffer.subarray(0, used);
      buffer = new Uint8Array(chunkBytes);
      used = 0;
    }
    if (bytes.length > chunkBytes - used) {
      yield bytes;
      continue;
    }
    buffer.set(bytes, used);
    used += bytes.length;
  }
  if (used > 0) yield buffer.subarray(0, used);
}

function toJsonLine(value: unknown, index: number): string {
  const json: string | undefined = JSON.stringify(value);
  if (json === undefined) throw new NotJsonError(`value ${index} (${typeof value}) has no JSON form`);
  return json.replace(UNSAFE_LINE_BREAKS, escapeUnicode);
}

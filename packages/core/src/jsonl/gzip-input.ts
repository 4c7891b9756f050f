import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ErrorCode } from '../errors/error-code';
import { ThinkbatchError } from '../errors/thinkbatch-error';

/** The first two bytes of every gzip member (RFC 1952). */
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** True when `bytes` start like a gzip stream. No JSONL file can: 0x8B is not valid UTF-8 after 0x1F. */
export function startsWithGzipMagic(bytes: Uint8Array): boolean {
  return bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/** A source whose first bytes were looked at; `bytes` still yields all of it, from the start. */
export interface PeekedSource {
  readonly gzip: boolean;
  readonly bytes: AsyncIterable<Uint8Array>;
}

/**
 * Look at the first two bytes of a source (reading only as many chunks as needed) to tell whether it is
 * gzip-compressed. The returned `bytes` replays what was read, then the rest: iterate it once.
 */
export async function peekGzip(source: AsyncIterable<Uint8Array>): Promise<PeekedSource> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < GZIP_MAGIC.length) {
    const next = await iterator.next();
    if (next.done === true) {
      done = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const first = new Uint8Array(Math.min(headLength, GZIP_MAGIC.length));
  let at = 0;
  for (const chunk of head) {
    if (at >= first.length) break;
    const part = chunk.subarray(0, first.length - at);
    first.set(part, at);
    at += part.length;
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      yield* head;
      if (done) return;
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next())
        yield next.value;
      done = true;
    } finally {
      // A reader that stops early (a job-level verdict) closes the source, e.g. an S3 body's socket.
      if (!done) await iterator.return?.();
    }
  }
  return { gzip: startsWithGzipMagic(first), bytes: replay() };
}

/** Why a gzip input could not be decompressed: not gzip after all, or more than the limit. */
export class GzipInputError extends ThinkbatchError {
  override name = 'GzipInputError';
  constructor(
    message: string,
    readonly reason: 'corrupt' | 'too_large',
    options: ErrorOptions = {},
  ) {
    super(message, { ...options, code: ErrorCode.invalidValue });
  }
}

/** A decompression in progress: its bytes, and why it failed once it has. */
export interface Gunzipping {
  readonly bytes: AsyncIterable<Uint8Array>;
  /** Set before `bytes` throws it, so a caller that only sees a wrapped error still knows the cause. */
  readonly failure: () => GzipInputError | null;
}

/**
 * Decompress a gzip source as it is read (node:zlib, streaming: memory stays within zlib's window and
 * one chunk), concatenated members included. Throws `GzipInputError` when the data is corrupt or
 * truncated (`corrupt`), or decompresses to more than `maxBytes` (`too_large`: a gzip bomb stops there).
 */
export function gunzipBounded(source: AsyncIterable<Uint8Array>, maxBytes: number): Gunzipping {
  let failure: GzipInputError | null = null;
  async function* decompress(): AsyncGenerator<Uint8Array> {
    const gunzip = createGunzip();
    const input = Readable.from(source, { objectMode: false });
    input.on('error', (error) => gunzip.destroy(error));
    input.pipe(gunzip);
    let total = 0;
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > maxBytes) {
          failure = new GzipInputError(
            `the input decompresses to more than ${maxBytes} bytes, the most a job reads`,
            'too_large',
          );
          throw failure;
        }
        yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
      }
    } catch (error) {
      if (failure !== null) throw failure;
      // zlib's own errors (Z_DATA_ERROR, unexpected end of file) carry a `code`; a failing source does not.
      if (!isZlibError(error)) throw error;
      failure = new GzipInputError(
        `the input starts like gzip but cannot be decompressed (${(error as Error).message})`,
        'corrupt',
        { cause: error },
      );
      throw failure;
    } finally {
      input.unpipe(gunzip);
      input.destroy();
      gunzip.destroy();
    }
  }
  return { bytes: decompress(), failure: () => failure };
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

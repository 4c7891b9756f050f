import { startsWithUtf8Bom, tryDecodeUtf8 } from './jsonl-line-bytes';
import type { JsonlRecord } from './jsonl-reader';

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = new Uint8Array(0);

/**
 * The state of the line being read, fed chunk by chunk; the engine of `readJsonlLines`, which owns the
 * options and the BOM. Holds at most `maxLineBytes + 1` bytes of a line, copied out of the chunks.
 */
export class LineSplitter {
  /** Copies of the current line's bytes from earlier chunks; emptied once the line is too large. */
  private pending: Uint8Array[] = [];
  /** Bytes of the current line seen so far, buffered or not. */
  private lineLength = 0;
  private lastByte = -1;
  private nonBlank = false;
  private skipping = false;

  constructor(
    private readonly maxLineBytes: number,
    private lineStart: number,
    private lineNumber: number,
  ) {}

  /** Drop a BOM that opens the source; call only with the source's first bytes, at offset 0. */
  skipBom(bytes: Uint8Array): Uint8Array {
    if (!startsWithUtf8Bom(bytes)) return bytes;
    this.lineStart += 3;
    return bytes.subarray(3);
  }

  *push(chunk: Uint8Array): Generator<JsonlRecord, void, undefined> {
    let from = 0;
    while (from < chunk.length) {
      const lf = chunk.indexOf(LF, from);
      if (lf === -1) {
        this.append(chunk, from, chunk.length);
        return;
      }
      const record = this.finishLine(chunk, from, lf);
      if (record !== undefined) yield record;
      this.lineStart += 1; // the LF
      from = lf + 1;
    }
  }

  *end(): Generator<JsonlRecord, void, undefined> {
    if (this.lineLength === 0) return;
    const record = this.finishLine(EMPTY, 0, 0);
    if (record !== undefined) yield record;
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    if (to === from) return;
    this.track(chunk, from, to);
    this.lineLength += to - from;
    if (this.skipping) return;
    // One byte of slack for a trailing `\r`, which is not content.
    if (this.lineLength > this.maxLineBytes + 1) {
      this.skipping = true;
      this.pending = [];
      return;
    }
    // A copy, so the source may reuse its chunk and a small tail does not pin a large chunk.
    this.pending.push(chunk.slice(from, to));
  }

  /** Note the last byte (for a trailing `\r`) and whether a non-whitespace byte was seen, of `chunk[from, to)`. */
  private track(chunk: Uint8Array, from: number, to: number): void {
    if (to > from) this.lastByte = chunk[to - 1] ?? this.lastByte;
    for (let i = from; i < to && !this.nonBlank; i += 1) {
      const byte = chunk[i];
      this.nonBlank = byte !== 0x20 && byte !== 0x09 && byte !== CR;
    }
  }

  /** Close the line whose last segment is `chunk[from, to)`; `undefined` for a blank line. */
  private finishLine(chunk: Uint8Array, from: number, to: number): JsonlRecord | undefined {
    this.track(chunk, from, to);
    const length = this.lineLength + (to - from);
    const contentLength = this.lastByte === CR ? length - 1 : length;
    const position = {
      lineNumber: this.lineNumber,
      byteStart: this.lineStart,
      byteEnd: this.lineStart + contentLength,
    };
    const { nonBlank, pending, skipping } = this;
    this.lineStart += length;
    this.lineNumber += 1;
    this.pending = [];
    this.lineLength = 0;
    this.lastByte = -1;
    this.nonBlank = false;
    this.skipping = false;

    if (!nonBlank) return undefined;
    if (skipping || contentLength > this.maxLineBytes) {
      const message = `line ${position.lineNumber} is ${contentLength} bytes, over the limit of ${this.maxLineBytes} bytes`;
      return { kind: 'error', ...position, error: { code: 'line_too_large', message } };
    }
    const bytes =
      pending.length === 0
        ? chunk.subarray(from, to)
        : concat([...pending, chunk.subarray(from, to)], length);
    const text = tryDecodeUtf8(bytes.subarray(0, contentLength));
    if (text === undefined) {
      const message = `line ${position.lineNumber} is not valid UTF-8`;
      return { kind: 'error', ...position, error: { code: 'invalid_utf8', message } };
    }
    return { kind: 'line', ...position, text };
  }
}

/** Join `parts`, whose lengths add up to `length`, into one new array. */
export function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

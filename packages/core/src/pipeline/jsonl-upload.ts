import { concat } from '../jsonl/jsonl-line-splitter';
import type { ObjectStore } from '../ports/object-store';
import { PipelineError } from './pipeline-error';

/** Lines are gathered into parts of about this many characters before they go to the upload. */
const PART_CHARS = 64 * 1024;

/** A JSONL object uploaded while it is written, so several outputs can be written in one pass. */
export interface JsonlUpload {
  /** Append one line (its text, without `\n`); resolves once the upload has room for more, rejects once it failed. */
  writeLine(text: string): Promise<void>;
  /** Append whole lines as bytes (UTF-8, each line ending in `\n`), as `writeLine` does one. */
  writeBytes(bytes: Uint8Array): Promise<void>;
  /** End the object and wait until it is stored; rejects with the upload's error. */
  finish(): Promise<void>;
  /** Give the upload up: nothing is stored (the adapter aborts it); resolves once it has ended. */
  abort(reason: unknown): Promise<void>;
}

/**
 * Start uploading `key` through `putStream` and return the writer that feeds it. Memory stays bounded
 * by about two parts here (the writer waits while one is still queued) plus what the adapter buffers;
 * the bytes are the lines, each followed by `\n`.
 */
export function startJsonlUpload(store: ObjectStore, key: string): JsonlUpload {
  const encoder = new TextEncoder();
  const queue: Uint8Array[] = [];
  let lines: string[] = [];
  let chars = 0;
  /** Bytes waiting for the next part, in order, before `lines`. */
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  let ended = false;
  let failure: { readonly reason: unknown } | null = null;
  let settled = false;
  let wakeReader: (() => void) | null = null;
  let wakeWriter: (() => void) | null = null;
  const wake = (): void => {
    wakeReader?.();
    wakeReader = null;
  };

  async function* body(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (failure !== null) throw failure.reason;
      const part = queue.shift();
      if (part !== undefined) {
        wakeWriter?.();
        wakeWriter = null;
        yield part;
      } else if (ended) return;
      else await new Promise<void>((resolve) => (wakeReader = resolve));
    }
  }
  const uploaded = store.putStream(key, body(), { contentType: 'application/x-ndjson' }).finally(() => {
    settled = true;
    wakeWriter?.();
    wakeWriter = null;
  });
  // Observed by finish/abort; keep an early failure from being reported as unhandled meanwhile.
  uploaded.catch(() => {});

  /** The upload ended before the writer did: its own error, or this one. */
  const endedEarly = async (): Promise<never> => {
    await uploaded;
    throw new PipelineError(`the upload of ${key} ended before its last part`);
  };
  const takeLines = (): void => {
    if (lines.length === 0) return;
    const encoded = encoder.encode(lines.join(''));
    parts.push(encoded);
    partBytes += encoded.length;
    lines = [];
    chars = 0;
  };
  const flush = async (): Promise<void> => {
    takeLines();
    if (parts.length === 0) return;
    queue.push(parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, partBytes));
    parts = [];
    partBytes = 0;
    wake();
    while (queue.length > 1 && !settled) await new Promise<void>((resolve) => (wakeWriter = resolve));
    if (settled) await endedEarly();
  };

  return {
    async writeLine(text) {
      if (settled) await endedEarly();
      lines.push(`${text}\n`);
      chars += text.length + 1;
      if (chars + partBytes >= PART_CHARS) await flush();
    },
    async writeBytes(bytes) {
      if (settled) await endedEarly();
      takeLines();
      parts.push(bytes);
      partBytes += bytes.length;
      if (partBytes >= PART_CHARS) await flush();
    },
    async finish() {
      await flush();
      ended = true;
      wake();
      await uploaded;
    },
    async abort(reason) {
      failure = { reason };
      wake();
      await uploaded.catch(() => {});
    },
  };
}

import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type LineStatus,
  type OpenAIBatchOutputOptions,
  ResultLine,
  toOpenAIBatchOutputLine,
} from '@thinkbatch/core';
import { CLIENT_EXIT_CODES, ClientError } from './client-error';

/** The names `run` and the finalizer give the output files. */
export const OUTPUT_FILE_NAMES = {
  results: 'results.jsonl',
  errors: 'errors.jsonl',
  summary: 'summary.json',
  openaiBatch: 'openai-batch-output.jsonl',
} as const;

const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

/** Stream a presigned link (no token: the link is the credential) into a file. */
export async function downloadLink(url: string, path: string): Promise<void> {
  const body = await openLink(url);
  await pipeline(Readable.fromWeb(body), createWriteStream(path));
}

async function openLink(url: string) {
  const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) }).catch(
    (error: unknown) => {
      throw new ClientError(
        `cannot download ${new URL(url).pathname}: ${String(error)}`,
        CLIENT_EXIT_CODES.failed,
      );
    },
  );
  if (!response.ok || response.body === null)
    throw new ClientError(
      `cannot download ${new URL(url).pathname}: HTTP ${response.status}`,
      CLIENT_EXIT_CODES.failed,
    );
  return response.body;
}

/** The result lines of a results.jsonl file, one at a time (memory holds a line, never the file). */
export async function* readResultLinesFile(path: string): AsyncGenerator<ResultLine> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) if (text !== '') yield ResultLine.parse(JSON.parse(text));
}

/** The result lines behind a presigned link to a results.jsonl, one at a time. */
export async function* readResultLinesLink(url: string): AsyncGenerator<ResultLine> {
  const body = await openLink(url);
  const lines = createInterface({ input: Readable.fromWeb(body), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) if (text !== '') yield ResultLine.parse(JSON.parse(text));
}

/** Counts by line status of the lines written. */
export type StatusCounts = Record<LineStatus, number>;

/**
 * Write result lines as the finalizer does: every line to results.jsonl, those that did not succeed to
 * errors.jsonl, and with `openaiBatch` each as an OpenAI Batch output line too.
 */
export async function writeResultLines(
  lines: AsyncIterable<ResultLine>,
  files: {
    readonly results: string;
    readonly errors: string;
    readonly openaiBatch?: { readonly path: string; readonly options: OpenAIBatchOutputOptions };
  },
): Promise<StatusCounts> {
  const counts: StatusCounts = { succeeded: 0, failed: 0, cancelled: 0, expired: 0 };
  const results = createWriteStream(files.results);
  const errors = createWriteStream(files.errors);
  const batch = files.openaiBatch === undefined ? null : createWriteStream(files.openaiBatch.path);
  const all = [results, errors, ...(batch === null ? [] : [batch])];
  try {
    for await (const line of lines) {
      counts[line.status] += 1;
      const text = `${JSON.stringify(line)}\n`;
      await write(results, text);
      if (line.status !== 'succeeded') await write(errors, text);
      if (batch !== null && files.openaiBatch !== undefined)
        await write(batch, `${JSON.stringify(toOpenAIBatchOutputLine(line, files.openaiBatch.options))}\n`);
    }
  } finally {
    await Promise.all(all.map((stream) => new Promise((done) => stream.end(done))));
  }
  return counts;
}

/** Write with back-pressure. */
async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/** Write result lines as OpenAI Batch output lines, as the finalizer writes openai-batch-output.jsonl. */
export async function writeOpenAIBatchFile(
  lines: AsyncIterable<ResultLine>,
  path: string,
  options: OpenAIBatchOutputOptions,
): Promise<void> {
  const out = createWriteStream(path);
  try {
    for await (const line of lines)
      await write(out, `${JSON.stringify(toOpenAIBatchOutputLine(line, options))}\n`);
  } finally {
    await new Promise((done) => out.end(done));
  }
}

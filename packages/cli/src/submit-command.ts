import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { components } from '@thinkbatch/api/client';
import { JobOptions } from '@thinkbatch/core';
import { type ApiConnection, CONNECTION_HELP, CONNECTION_OPTIONS, openApiConnection } from './api-connection';
import { expectPositionals, HELP_OPTION, integerFlag, intervalMs, JSON_OPTION } from './client-args';
import { CLIENT_EXIT_CODES, ClientError } from './client-error';
import { type ClientIo, printJson } from './client-io';
import { finishedJob } from './finished-job';
import { formatJobProgress, type JobView } from './job-view-text';
import { uploadFile } from './upload-file';
import { UsageError } from './usage-error';
import { createProgressLine, DEFAULT_WATCH_INTERVAL_MS, watchJob } from './watch-job';
import { withRetries } from './with-retries';

/** Files up to this size go in the request itself; larger ones through a presigned upload (the API's default limit). */
export const INLINE_MAX_BYTES = 4 * 1024 * 1024;

/** How long submit waits for the API to see an uploaded file before it reports the job as it is. */
const UPLOAD_SEEN_TIMEOUT_MS = 30_000;

const MAX_ATTEMPTS_LIMIT = JobOptions.shape.maxAttempts.unwrap().maxValue ?? 20;

export const SUBMIT_HELP = `thinkbatch submit — create a job on the API from a JSONL file

Usage:
  thinkbatch submit <file.jsonl> [--wait] [--json] [options]

Options:
  --wait                 follow the job until it ends (progress on stderr); exit code 0 only if it completed
  --json                 print the job as JSON (with --wait: the finished job)
  --model ID             model for lines that name none
  --max-attempts N       endpoint calls per line that may fail for reasons other than 429 (1–${MAX_ATTEMPTS_LIMIT})
  --lines-per-chunk N    lines per work item (1–500)
  --openai-output        also write openai-batch-output.jsonl (OpenAI Batch output format)
  --metadata KEY=VALUE   a label of the job (repeatable, up to 16)
  --idempotency-key KEY  repeating a submit with the same key returns the same job (default: a new key,
                         reused when the command retries its own request)
  --upload               always send the file through a presigned upload (default: only above 4 MiB)
  --interval S           seconds between polls with --wait (default 1)
  -h, --help             show this help

${CONNECTION_HELP}
`;

type CreateJobRequest = components['schemas']['CreateJobRequest'];

/** `thinkbatch submit <file>`: returns the exit code. */
export async function submitCommand(argv: readonly string[], io: ClientIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      ...CONNECTION_OPTIONS,
      ...HELP_OPTION,
      ...JSON_OPTION,
      wait: { type: 'boolean', default: false },
      model: { type: 'string' },
      'max-attempts': { type: 'string' },
      'lines-per-chunk': { type: 'string' },
      'openai-output': { type: 'boolean', default: false },
      metadata: { type: 'string', multiple: true },
      'idempotency-key': { type: 'string' },
      upload: { type: 'boolean', default: false },
      interval: { type: 'string' },
    },
  });
  if (values.help) {
    io.stdout.write(SUBMIT_HELP);
    return CLIENT_EXIT_CODES.ok;
  }
  const [path = ''] = expectPositionals(positionals, 1, 'thinkbatch submit <file.jsonl>');
  const info = await stat(path).catch(() => null);
  if (info === null || !info.isFile()) throw new UsageError(`input file not found: ${path}`);
  const maxAttempts = integerFlag('max-attempts', values['max-attempts'], 1, MAX_ATTEMPTS_LIMIT);
  const linesPerChunk = integerFlag('lines-per-chunk', values['lines-per-chunk'], 1, 500);
  const options: components['schemas']['JobOptions'] = {
    ...(values.model !== undefined && { model: values.model }),
    ...(maxAttempts !== undefined && { maxAttempts }),
    ...(linesPerChunk !== undefined && { linesPerChunk }),
    ...(values['openai-output'] && { openaiBatchOutput: true }),
  };
  const metadata = parseMetadata(values.metadata ?? []);
  const idempotencyKey = values['idempotency-key'] ?? `submit-${randomUUID()}`;
  if (!/^[\x21-\x7e]{1,255}$/.test(idempotencyKey))
    throw new UsageError('--idempotency-key must be 1–255 printable ASCII characters without spaces');
  const poll = intervalMs(values.interval, DEFAULT_WATCH_INTERVAL_MS);
  const connection = openApiConnection(values, io);

  const create = (input: CreateJobRequest['input']) =>
    withRetries(() =>
      connection.call((client) =>
        client.POST('/v1/jobs', {
          params: { header: { 'idempotency-key': idempotencyKey } },
          body: { input, options, ...(Object.keys(metadata).length > 0 && { metadata }) },
        }),
      ),
    );
  const inline = values.upload || info.size > INLINE_MAX_BYTES ? null : await readUtf8(path);
  let created =
    inline === null
      ? null
      : await create({ type: 'inline', content: inline }).catch((error: unknown) => {
          // The API's inline limit is lower than ours: send the file through an upload instead.
          if (error instanceof ClientError && error.httpStatus === 413) return null;
          throw error;
        });
  if (created === null) {
    created = await create({ type: 'upload' });
    // A repeat of an earlier submit whose upload finished has nothing left to upload.
    if (created.upload !== null && !created.job.input.uploaded)
      await uploadFile(created.upload, path, info.size).catch((error: unknown) => {
        throw new ClientError(
          `${error instanceof Error ? error.message : String(error)}; job ${created?.job.id} waits for its file: submit again with --idempotency-key ${idempotencyKey}`,
          CLIENT_EXIT_CODES.failed,
          { cause: error },
        );
      });
  }
  // After an upload, the job takes its file once the API has seen it arrive (an S3 event on AWS, a poll locally).
  const job = created.upload === null ? created.job : await uploadSeen(connection, created.job.id);
  if (!job.input.uploaded)
    io.stderr.write(`thinkbatch: job ${job.id}: the file was sent; the API has not taken it yet\n`);

  if (!values.wait) {
    if (values.json) printJson(io.stdout, job);
    else
      io.stdout.write(
        `job ${job.id} ${job.status}\nfollow it: thinkbatch status ${job.id} --watch\nresults:   thinkbatch results ${job.id}\n`,
      );
    return CLIENT_EXIT_CODES.ok;
  }
  io.stderr.write(`thinkbatch: job ${job.id} submitted (${path})\n`);
  const progress = createProgressLine(io.stderr);
  const finished = await watchJob(connection, job.id, {
    intervalMs: poll,
    onChange: (current) => progress.show(formatJobProgress(current)),
  });
  progress.end();
  return finishedJob(finished, values.json, io);
}

/** The job once the API reports its input uploaded, or as it is after `UPLOAD_SEEN_TIMEOUT_MS`. */
async function uploadSeen(connection: ApiConnection, id: string): Promise<JobView> {
  const deadline = Date.now() + UPLOAD_SEEN_TIMEOUT_MS;
  for (;;) {
    const job = await connection.call(
      (client) => client.GET('/v1/jobs/{id}', { params: { path: { id } } }),
      id,
    );
    if (job.input.uploaded || Date.now() > deadline) return job;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The file as text when it is valid UTF-8; null otherwise (it then goes as bytes, through an upload). */
async function readUtf8(path: string): Promise<string | null> {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(await readFile(path));
  } catch {
    return null;
  }
}

function parseMetadata(pairs: readonly string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--metadata takes KEY=VALUE, got "${pair}"`);
    metadata[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return metadata;
}

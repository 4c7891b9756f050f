import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { LineStatus } from '@thinkbatch/core';
import { CONNECTION_HELP, CONNECTION_OPTIONS, jobIdArgument, openApiConnection } from './api-connection';
import { expectPositionals, HELP_OPTION, intervalMs, JSON_OPTION } from './client-args';
import { CLIENT_EXIT_CODES } from './client-error';
import { type ClientIo, printJson } from './client-io';
import { finishedJob } from './finished-job';
import { formatJobProgress } from './job-view-text';
import { UsageError } from './usage-error';
import { createProgressLine, DEFAULT_WATCH_INTERVAL_MS, watchJob } from './watch-job';
import { withRetries } from './with-retries';

export const RETRY_HELP = `thinkbatch retry — run again only the failed (or chosen) lines of a finished job

Usage:
  thinkbatch retry <job-id> [--status failed] [--wait] [--json]

A new job of the lines that ended in the chosen statuses, linked to its parent; lines that failed on
their input (invalid JSON, a duplicate custom_id, …) are never retried. Merge its results back over the
parent's with: thinkbatch merge <job-id> <retry-id>

Options:
  --status S             retry lines that ended in S: failed, cancelled, expired, succeeded (repeatable
                         or comma-separated; default failed)
  --wait                 follow the retry until it ends (progress on stderr); exit code 0 only if it completed
  --json                 print the retry job as JSON
  --idempotency-key KEY  repeating a retry with the same key returns the same retry job
  --interval S           seconds between polls with --wait (default 1)
  -h, --help             show this help

${CONNECTION_HELP}
`;

/** `thinkbatch retry <id>`: returns the exit code. */
export async function retryCommand(argv: readonly string[], io: ClientIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      ...CONNECTION_OPTIONS,
      ...HELP_OPTION,
      ...JSON_OPTION,
      status: { type: 'string', multiple: true },
      wait: { type: 'boolean', default: false },
      'idempotency-key': { type: 'string' },
      interval: { type: 'string' },
    },
  });
  if (values.help) {
    io.stdout.write(RETRY_HELP);
    return CLIENT_EXIT_CODES.ok;
  }
  const [given] = expectPositionals(positionals, 1, 'thinkbatch retry <job-id>');
  const id = jobIdArgument(given);
  const statuses = parseStatuses(values.status ?? ['failed']);
  const idempotencyKey = values['idempotency-key'] ?? `retry-${randomUUID()}`;
  if (!/^[\x21-\x7e]{1,255}$/.test(idempotencyKey))
    throw new UsageError('--idempotency-key must be 1–255 printable ASCII characters without spaces');
  const poll = intervalMs(values.interval, DEFAULT_WATCH_INTERVAL_MS);
  const connection = openApiConnection(values, io);
  const { job } = await withRetries(() =>
    connection.call(
      (client) =>
        client.POST('/v1/jobs/{id}/retry', {
          params: { path: { id }, header: { 'idempotency-key': idempotencyKey } },
          body: { statuses },
        }),
      id,
    ),
  );
  if (!values.wait) {
    if (values.json) printJson(io.stdout, job);
    else
      io.stdout.write(
        `job ${job.id} ${job.status} (retry of ${id}: its ${statuses.join(', ')} lines)\nfollow it: thinkbatch status ${job.id} --watch\nmerge it:  thinkbatch merge ${id} ${job.id}\n`,
      );
    return CLIENT_EXIT_CODES.ok;
  }
  io.stderr.write(`thinkbatch: job ${job.id} retries the ${statuses.join(', ')} lines of ${id}\n`);
  const progress = createProgressLine(io.stderr);
  const finished = await watchJob(connection, job.id, {
    intervalMs: poll,
    onChange: (current) => progress.show(formatJobProgress(current)),
  });
  progress.end();
  return finishedJob(finished, values.json, io);
}

function parseStatuses(given: readonly string[]): LineStatus[] {
  const statuses = new Set<LineStatus>();
  for (const name of given.flatMap((value) => value.split(','))) {
    const status = LineStatus.safeParse(name.trim());
    if (!status.success)
      throw new UsageError(`--status takes ${LineStatus.options.join(', ')}, got "${name.trim()}"`);
    statuses.add(status.data);
  }
  return [...statuses];
}

import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS, jobIdArgument, openApiConnection } from './api-connection';
import { expectPositionals, HELP_OPTION, intervalMs, JSON_OPTION } from './client-args';
import { CLIENT_EXIT_CODES } from './client-error';
import { type ClientIo, printJson } from './client-io';
import { finishedJob } from './finished-job';
import { describeJobView, formatJobProgress } from './job-view-text';
import { createProgressLine, DEFAULT_WATCH_INTERVAL_MS, watchJob } from './watch-job';

export const STATUS_HELP = `thinkbatch status — a job's status, counts, tokens and ETA

Usage:
  thinkbatch status <job-id> [--watch] [--json]

Options:
  --watch              redraw a progress line until the job ends (one line per change when not on a
                       terminal); exit code 0 only if it completed
  --json               print the job as JSON (with --watch: one JSON line per change, the last one final)
  --interval S         seconds between polls with --watch (default 1)
  -h, --help           show this help

${CONNECTION_HELP}
`;

/** `thinkbatch status <id>`: returns the exit code. */
export async function statusCommand(argv: readonly string[], io: ClientIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      ...CONNECTION_OPTIONS,
      ...HELP_OPTION,
      ...JSON_OPTION,
      watch: { type: 'boolean', default: false },
      interval: { type: 'string' },
    },
  });
  if (values.help) {
    io.stdout.write(STATUS_HELP);
    return CLIENT_EXIT_CODES.ok;
  }
  const [given] = expectPositionals(positionals, 1, 'thinkbatch status <job-id>');
  const id = jobIdArgument(given);
  const poll = intervalMs(values.interval, DEFAULT_WATCH_INTERVAL_MS);
  const connection = openApiConnection(values, io);
  if (!values.watch) {
    const job = await connection.call(
      (client) => client.GET('/v1/jobs/{id}', { params: { path: { id } } }),
      id,
    );
    if (values.json) printJson(io.stdout, job);
    else io.stdout.write(describeJobView(job));
    return CLIENT_EXIT_CODES.ok;
  }
  const progress = createProgressLine(io.stdout);
  const finished = await watchJob(connection, id, {
    intervalMs: poll,
    onChange: (job) => (values.json ? printJson(io.stdout, job) : progress.show(formatJobProgress(job))),
  });
  if (values.json) return finished.status === 'completed' ? CLIENT_EXIT_CODES.ok : CLIENT_EXIT_CODES.failed;
  progress.end();
  return finishedJob(finished, false, io);
}

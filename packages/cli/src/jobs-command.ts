import { parseArgs } from 'node:util';
import { JobStatus } from '@thinkbatch/core';
import { CONNECTION_HELP, CONNECTION_OPTIONS, openApiConnection } from './api-connection';
import { expectPositionals, HELP_OPTION, integerFlag, JSON_OPTION } from './client-args';
import { CLIENT_EXIT_CODES } from './client-error';
import { type ClientIo, printJson } from './client-io';
import { formatJobRow, type JobView } from './job-view-text';
import { UsageError } from './usage-error';

/** Jobs listed unless `--limit` says otherwise. */
const DEFAULT_LIMIT = 20;
/** Jobs per request (the API's largest page). */
const PAGE_SIZE = 100;

export const JOBS_HELP = `thinkbatch jobs — list jobs, newest first

Usage:
  thinkbatch jobs [--status S] [--input KEY] [--limit N] [--json]

Options:
  --status S           only jobs in this status (${JobStatus.options.join(', ')})
  --input KEY          only jobs of this input object key (a job started by a plain upload: inputs/<name>.jsonl)
  --limit N            at most N jobs (default ${DEFAULT_LIMIT}, up to 1000)
  --json               print {"data": [jobs], "next_cursor"} as JSON
  -h, --help           show this help

${CONNECTION_HELP}
`;

/** `thinkbatch jobs`: returns the exit code. */
export async function jobsCommand(argv: readonly string[], io: ClientIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      ...CONNECTION_OPTIONS,
      ...HELP_OPTION,
      ...JSON_OPTION,
      status: { type: 'string' },
      input: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  if (values.help) {
    io.stdout.write(JOBS_HELP);
    return CLIENT_EXIT_CODES.ok;
  }
  expectPositionals(positionals, 0, 'thinkbatch jobs [--status S] [--input KEY]');
  const status = values.status === undefined ? undefined : JobStatus.safeParse(values.status);
  if (status !== undefined && !status.success)
    throw new UsageError(`--status takes ${JobStatus.options.join(', ')}, got "${values.status}"`);
  const limit = integerFlag('limit', values.limit, 1, 1000) ?? DEFAULT_LIMIT;
  const connection = openApiConnection(values, io);

  const jobs: JobView[] = [];
  let cursor: string | null | undefined;
  while (jobs.length < limit && cursor !== null) {
    const page = await connection.call((client) =>
      client.GET('/v1/jobs', {
        params: {
          query: {
            limit: Math.min(PAGE_SIZE, limit - jobs.length),
            ...(status?.data !== undefined && { status: status.data }),
            ...(values.input !== undefined && { input_key: values.input }),
            ...(typeof cursor === 'string' && { cursor }),
          },
        },
      }),
    );
    jobs.push(...page.data);
    cursor = page.next_cursor;
  }
  const more = cursor ?? null;
  if (values.json) {
    printJson(io.stdout, { data: jobs, next_cursor: more });
    return CLIENT_EXIT_CODES.ok;
  }
  if (jobs.length === 0) io.stdout.write('no jobs\n');
  for (const job of jobs) io.stdout.write(`${formatJobRow(job)}\n`);
  if (more !== null) io.stdout.write(`(more jobs: --limit ${Math.min(1000, limit * 2)})\n`);
  return CLIENT_EXIT_CODES.ok;
}

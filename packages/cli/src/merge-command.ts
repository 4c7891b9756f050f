import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mergeResults } from '@thinkbatch/core';
import {
  type ApiConnection,
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  jobIdArgument,
  openApiConnection,
} from './api-connection';
import { expectPositionals, HELP_OPTION, JSON_OPTION } from './client-args';
import { CLIENT_EXIT_CODES, ClientError } from './client-error';
import { type ClientIo, printJson } from './client-io';
import { OUTPUT_FILE_NAMES, readResultLinesLink, writeResultLines } from './result-files';

export const MERGE_HELP = `thinkbatch merge — a retry's results merged back over its parent's

Usage:
  thinkbatch merge <parent-id> <retry-id> [--out DIR] [--json]

Writes results.jsonl and errors.jsonl with one line per line of the parent, in the parent's order: a line
the retry ran again (same custom_id) is the retry's result, the others stay as they were. Both jobs must
have ended. The summaries stay apart: each job's summary.json counts what that job paid for.

Options:
  --out DIR            where the files go (default ./thinkbatch-out/<retry-id>-merged/)
  --json               print the counts and files as JSON
  -h, --help           show this help

${CONNECTION_HELP}
`;

/** `thinkbatch merge <parent-id> <retry-id>`: returns the exit code. */
export async function mergeCommand(argv: readonly string[], io: ClientIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { ...CONNECTION_OPTIONS, ...HELP_OPTION, ...JSON_OPTION, out: { type: 'string' } },
  });
  if (values.help) {
    io.stdout.write(MERGE_HELP);
    return CLIENT_EXIT_CODES.ok;
  }
  const [givenParent, givenRetry] = expectPositionals(
    positionals,
    2,
    'thinkbatch merge <parent-id> <retry-id>',
  );
  const parentId = jobIdArgument(givenParent, 'parent job id');
  const retryId = jobIdArgument(givenRetry, 'retry job id');
  const connection = openApiConnection(values, io);
  const retry = await connection.call(
    (client) => client.GET('/v1/jobs/{id}', { params: { path: { id: retryId } } }),
    retryId,
  );
  if (retry.parent_job_id !== parentId)
    throw new ClientError(
      `job ${retryId} is not a retry of ${parentId}${retry.parent_job_id === null ? '' : ` (it retries ${retry.parent_job_id})`}`,
      CLIENT_EXIT_CODES.failed,
    );
  const parentLink = await resultsLink(connection, parentId);
  const retryLink = await resultsLink(connection, retryId);
  const outDir = resolve(values.out ?? join('thinkbatch-out', `${retryId}-merged`));
  await mkdir(outDir, { recursive: true });
  const files = {
    results: join(outDir, OUTPUT_FILE_NAMES.results),
    errors: join(outDir, OUTPUT_FILE_NAMES.errors),
  };
  const counts = await writeResultLines(
    mergeResults(readResultLinesLink(parentLink), readResultLinesLink(retryLink)),
    files,
  );
  if (values.json) {
    printJson(io.stdout, {
      parent_job_id: parentId,
      retry_job_id: retryId,
      counts,
      files: Object.values(files),
    });
  } else {
    io.stdout.write(
      `merged ${retryId} over ${parentId}: ${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.cancelled} cancelled, ${counts.expired} expired\n  ${files.results}\n  ${files.errors}\n`,
    );
  }
  return CLIENT_EXIT_CODES.ok;
}

/** The link to a job's results.jsonl; a job without its files yet cannot be merged. */
async function resultsLink(connection: ApiConnection, id: string): Promise<string> {
  const page = await connection.call(
    (client) => client.GET('/v1/jobs/{id}/results', { params: { path: { id }, query: { limit: 1 } } }),
    id,
  );
  if (page.files === null)
    throw new ClientError(
      `job ${id} has not ended (${page.status}): wait for it with thinkbatch status ${id} --watch`,
      CLIENT_EXIT_CODES.failed,
    );
  return page.files.results.url;
}

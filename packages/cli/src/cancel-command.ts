import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS, jobIdArgument, openApiConnection } from './api-connection';
import { expectPositionals, HELP_OPTION, JSON_OPTION } from './client-args';
import { CLIENT_EXIT_CODES } from './client-error';
import { type ClientIo, printJson } from './client-io';
import { formatJobProgress } from './job-view-text';

export const CANCEL_HELP = `thinkbatch cancel — cancel a job

Usage:
  thinkbatch cancel <job-id> [--json]

No line starts after the cancel is acknowledged; lines not done end "cancelled" and the job still
finalizes with complete files. A job that already ended cannot be cancelled (exit code 1).

Options:
  --json               print the job as JSON
  -h, --help           show this help

${CONNECTION_HELP}
`;

/** `thinkbatch cancel <id>`: returns the exit code. */
export async function cancelCommand(argv: readonly string[], io: ClientIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { ...CONNECTION_OPTIONS, ...HELP_OPTION, ...JSON_OPTION },
  });
  if (values.help) {
    io.stdout.write(CANCEL_HELP);
    return CLIENT_EXIT_CODES.ok;
  }
  const [given] = expectPositionals(positionals, 1, 'thinkbatch cancel <job-id>');
  const id = jobIdArgument(given);
  const connection = openApiConnection(values, io);
  const job = await connection.call(
    (client) => client.POST('/v1/jobs/{id}/cancel', { params: { path: { id } } }),
    id,
  );
  if (values.json) printJson(io.stdout, job);
  else io.stdout.write(`cancel requested: ${formatJobProgress(job)}\n`);
  return CLIENT_EXIT_CODES.ok;
}

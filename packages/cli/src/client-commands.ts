import { cancelCommand } from './cancel-command';
import { ClientError } from './client-error';
import type { ClientIo } from './client-io';
import { jobsCommand } from './jobs-command';
import { mergeCommand } from './merge-command';
import { resultsCommand } from './results-command';
import { retryCommand } from './retry-command';
import { statusCommand } from './status-command';
import { submitCommand } from './submit-command';

/** A client command: its arguments (after its name) in, its exit code out. */
export type ClientCommand = (argv: readonly string[], io: ClientIo) => Promise<number>;

/** The commands that talk to the job API (`thinkbatch serve`, or the API on AWS). */
export const CLIENT_COMMANDS: Readonly<Record<string, ClientCommand>> = {
  submit: submitCommand,
  status: statusCommand,
  results: resultsCommand,
  cancel: cancelCommand,
  retry: retryCommand,
  jobs: jobsCommand,
  merge: mergeCommand,
};

/** The client command of this name, if it is one (never a property of `Object.prototype`). */
export function clientCommand(name: string | undefined): ClientCommand | undefined {
  return name !== undefined && Object.hasOwn(CLIENT_COMMANDS, name) ? CLIENT_COMMANDS[name] : undefined;
}

export const CLIENT_COMMANDS_HELP = `Client commands (talk to the job API: --api URL, default $THINKBATCH_API, else http://127.0.0.1:8700;
--token, default $THINKBATCH_API_TOKEN; each has --help):
  thinkbatch submit <file.jsonl> [--wait] [--json]
  thinkbatch status <job-id> [--watch] [--json]
  thinkbatch results <job-id> [--out DIR] [--format openai]
  thinkbatch cancel <job-id>
  thinkbatch retry <job-id> [--status failed] [--wait]
  thinkbatch jobs [--status S] [--input KEY] [--json]
  thinkbatch merge <parent-id> <retry-id> [--out DIR]
Exit codes: 0 done, 1 the job did not complete or the API refused (429: rate-limited), 2 usage,
3 no or wrong token (401) or a read-only token changing a job (403), 4 no such job, 5 the API cannot be
reached, 130 stopped waiting or watching (Ctrl-C; the job goes on). Reads rate-limited by the API (429)
are sent again after its Retry-After (up to 60 s, 3 times).
`;

/** Run a client command; a `ClientError` becomes one line on stderr and its exit code. */
export async function runClientCommand(
  command: ClientCommand,
  argv: readonly string[],
  io: ClientIo,
): Promise<number> {
  try {
    return await command(argv, io);
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    io.stderr.write(`thinkbatch: ${error.message}\n`);
    return error.exitCode;
  }
}

import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS } from './api-connection';
import { ClientError } from './client-error';
import {
  labelCreateCommand,
  labelListCommand,
  labelRunNowCommand,
  labelStatusCommand,
} from './label-api-commands';
import { labelRunCommand } from './label-run-command';
import type { CommandIo } from './run-command';
import { UsageError } from './usage-error';

export const LABEL_HELP = `thinkbatch label — label a dataset with the reasoning model

Usage:
  thinkbatch label run <task.json> [--simulate | --endpoint URL --api-key KEY] [--out DIR] [--data-dir DIR]
  thinkbatch label create <task.json> [--api URL]     store a task on a running API (thinkbatch serve)
  thinkbatch label list [--api URL]
  thinkbatch label status <task-id> [--api URL]
  thinkbatch label run <task-id> --now [--api URL]     run a stored task now, on the API

run labels every file of the task's dataset (the directory dataset.prefix beside task.json) once, now,
on the embedded default, and writes labelled.jsonl (labelled.csv for a CSV dataset) and report.json.

Options:
  --out DIR            where the labelled file and report.json go (default ./thinkbatch-out/labelling/<task id>/)
  --data-dir DIR       keep the local state here: a later run over the same data reuses every labelled row
  --simulate           use the built-in simulated reasoning endpoint (no key needed)
  --endpoint URL       OpenAI-compatible base URL (default $THINKBATCH_ENDPOINT)
  --api-key KEY        endpoint key (default $NVIDIA_API_KEY)
  --prices FILE        JSON prices per model (USD per 1M tokens): the report's cost, and a spendingCap.usd
  --now                run a stored task on the API now
  -h, --help           show this help

${CONNECTION_HELP}
`;

/** `thinkbatch label …`. */
export async function labelMain(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'data-dir': { type: 'string' },
      simulate: { type: 'boolean', default: false },
      endpoint: { type: 'string' },
      'api-key': { type: 'string' },
      prices: { type: 'string' },
      ...CONNECTION_OPTIONS,
      now: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, task, ...rest] = positionals;
  if (values.help || command === undefined) {
    io.stdout.write(LABEL_HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  const api = { api: values.api, token: values.token };
  if (command === 'list') {
    if (task !== undefined) throw new UsageError(`unexpected arguments: ${[task, ...rest].join(' ')}`);
    return onApi(io, () => labelListCommand(api, io));
  }
  if (command !== 'run' && command !== 'create' && command !== 'status')
    throw new UsageError(`unknown label command "${command}" (try: thinkbatch label --help)`);
  if (task === undefined) throw new UsageError(`missing argument: thinkbatch label ${command} <…>`);
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  if (command === 'create') return onApi(io, () => labelCreateCommand(task, api, io));
  if (command === 'status') return onApi(io, () => labelStatusCommand(task, api, io));
  if (values.now) return onApi(io, () => labelRunNowCommand(task, api, io));
  return labelRunCommand(
    {
      task,
      simulate: values.simulate,
      ...(values.out !== undefined && { out: values.out }),
      ...(values['data-dir'] !== undefined && { dataDir: values['data-dir'] }),
      ...(values.endpoint !== undefined && { endpoint: values.endpoint }),
      ...(values['api-key'] !== undefined && { apiKey: values['api-key'] }),
      ...(values.prices !== undefined && { prices: values.prices }),
    },
    io,
  );
}

/** An API subcommand: a `ClientError` becomes one line on stderr and its exit code, as for the client commands. */
async function onApi(io: CommandIo, command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    io.stderr.write(`thinkbatch: ${error.message}\n`);
    return error.exitCode;
  }
}

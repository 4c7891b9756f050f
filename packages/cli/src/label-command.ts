import { parseArgs } from 'node:util';
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
  thinkbatch label create <task.json> [--url URL]     store a task on a running API (thinkbatch serve)
  thinkbatch label list [--url URL]
  thinkbatch label status <task-id> [--url URL]
  thinkbatch label run <task-id> --now [--url URL]     run a stored task now, on the API

run labels every file of the task's dataset (the directory dataset.prefix beside task.json) once, now,
on the embedded default, and writes labelled.jsonl (labelled.csv for a CSV dataset) and report.json.

Options:
  --out DIR            where the labelled file and report.json go (default ./thinkbatch-out/labelling/<task id>/)
  --data-dir DIR       keep the local state here: a later run over the same data reuses every labelled row
  --simulate           use the built-in simulated reasoning endpoint (no key needed)
  --endpoint URL       OpenAI-compatible base URL (default $THINKBATCH_ENDPOINT)
  --api-key KEY        endpoint key (default $NVIDIA_API_KEY)
  --prices FILE        JSON prices per model (USD per 1M tokens): the report's cost, and a spendingCap.usd
  --url URL            the API (default http://127.0.0.1:8700); its token from $THINKBATCH_API_TOKEN
  --now                run a stored task on the API now
  -h, --help           show this help
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
      url: { type: 'string' },
      now: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, task, ...rest] = positionals;
  if (values.help || command === undefined) {
    io.stdout.write(LABEL_HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  const api = values.url === undefined ? {} : { url: values.url };
  if (command === 'list') {
    if (task !== undefined) throw new UsageError(`unexpected arguments: ${[task, ...rest].join(' ')}`);
    return labelListCommand(api, io);
  }
  if (command !== 'run' && command !== 'create' && command !== 'status')
    throw new UsageError(`unknown label command "${command}" (try: thinkbatch label --help)`);
  if (task === undefined) throw new UsageError(`missing argument: thinkbatch label ${command} <…>`);
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  if (command === 'create') return labelCreateCommand(task, api, io);
  if (command === 'status') return labelStatusCommand(task, api, io);
  if (values.now) return labelRunNowCommand(task, api, io);
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

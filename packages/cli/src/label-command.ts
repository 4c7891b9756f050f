import { parseArgs } from 'node:util';
import { labelRunCommand } from './label-run-command';
import type { CommandIo } from './run-command';
import { UsageError } from './usage-error';

export const LABEL_HELP = `thinkbatch label — label a dataset with the reasoning model

Usage:
  thinkbatch label run <task.json> [--simulate | --endpoint URL --api-key KEY] [--out DIR] [--data-dir DIR]

run labels every file of the task's dataset (the directory dataset.prefix beside task.json) once, now,
on the embedded default, and writes labelled.jsonl (labelled.csv for a CSV dataset) and report.json.

Options:
  --out DIR            where the labelled file and report.json go (default ./thinkbatch-out/labelling/<task id>/)
  --data-dir DIR       keep the local state here: a later run over the same data reuses every labelled row
  --simulate           use the built-in simulated reasoning endpoint (no key needed)
  --endpoint URL       OpenAI-compatible base URL (default $THINKBATCH_ENDPOINT)
  --api-key KEY        endpoint key (default $NVIDIA_API_KEY)
  --prices FILE        JSON prices per model (USD per 1M tokens): the report's cost, and a spendingCap.usd
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
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, task, ...rest] = positionals;
  if (values.help || command === undefined) {
    io.stdout.write(LABEL_HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command !== 'run')
    throw new UsageError(`unknown label command "${command}" (try: thinkbatch label run <task.json>)`);
  if (task === undefined) throw new UsageError('missing task file: thinkbatch label run <task.json>');
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
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

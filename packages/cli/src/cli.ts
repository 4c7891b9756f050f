import { parseArgs } from 'node:util';
import { defaultPipelineConfig, JobOptions } from '@thinkbatch/core';
import {
  ENDPOINT_LIMIT_OPTIONS,
  ENDPOINT_LIMITS_HELP,
  endpointLimitsFromFlags,
} from './endpoint-limit-flags';
import { runCommand, UsageError } from './run-command';

/** The most attempts a job may allow (the job options schema's bound). */
const MAX_ATTEMPTS_LIMIT = JobOptions.shape.maxAttempts.unwrap().maxValue ?? 20;

const HELP = `thinkbatch — run JSONL prompt files through a reasoning model

Usage:
  thinkbatch run <input.jsonl> [options]

Options:
  --out DIR            where results.jsonl, errors.jsonl and summary.json go (default ./thinkbatch-out/<job-id>/)
  --endpoint URL       OpenAI-compatible base URL (default $THINKBATCH_ENDPOINT, else NVIDIA's)
  --api-key KEY        endpoint key (default $NVIDIA_API_KEY)
  --model ID           model for lines that name none (default ${defaultPipelineConfig.defaultModel})
  --max-attempts N     endpoint calls per line that may fail for reasons other than 429 (default ${defaultPipelineConfig.retry.maxAttempts})
  --concurrency N      most lines in flight per worker invocation (default: as many as the endpoint's
                       rate gate grants, up to ${defaultPipelineConfig.lineConcurrency})
  --prices FILE        JSON prices per model (USD per 1M tokens) for a cost estimate in summary.json
  --simulate           use the built-in simulated reasoning endpoint (no key needed)
  --data-dir DIR       keep the local emulators' state here (default: a temporary directory)
  -h, --help           show this help

${ENDPOINT_LIMITS_HELP}`;

function positiveInt(name: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`--${name} must be an integer from 1 to ${max}, got "${value}"`);
  }
  return n;
}

/** Parse argv and run the command; returns the exit code. Usage errors throw `UsageError`. */
export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      endpoint: { type: 'string' },
      'api-key': { type: 'string' },
      model: { type: 'string' },
      'max-attempts': { type: 'string' },
      concurrency: { type: 'string' },
      prices: { type: 'string' },
      ...ENDPOINT_LIMIT_OPTIONS,
      simulate: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, input, ...rest] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command !== 'run')
    throw new UsageError(`unknown command "${command}" (try: thinkbatch run <input.jsonl>)`);
  if (input === undefined) throw new UsageError('missing input file: thinkbatch run <input.jsonl>');
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  const maxAttempts = positiveInt('max-attempts', values['max-attempts'], MAX_ATTEMPTS_LIMIT);
  const concurrency = positiveInt('concurrency', values.concurrency, 1000);
  const rateLimits = endpointLimitsFromFlags(values);
  return runCommand(
    {
      input,
      simulate: values.simulate,
      ...(values.out !== undefined && { out: values.out }),
      ...(values.endpoint !== undefined && { endpoint: values.endpoint }),
      ...(values['api-key'] !== undefined && { apiKey: values['api-key'] }),
      ...(values.model !== undefined && { model: values.model }),
      ...(maxAttempts !== undefined && { maxAttempts }),
      ...(concurrency !== undefined && { concurrency }),
      ...(values.prices !== undefined && { prices: values.prices }),
      rateLimits,
      ...(values['data-dir'] !== undefined && { dataDir: values['data-dir'] }),
    },
    { env: process.env, stdout: process.stdout, stderr: process.stderr },
  );
}

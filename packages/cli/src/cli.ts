import { parseArgs } from 'node:util';
import { defaultPipelineConfig, JobOptions } from '@thinkbatch/core';
import { CLIENT_COMMANDS_HELP, clientCommand, runClientCommand } from './client-commands';
import {
  ENDPOINT_LIMIT_OPTIONS,
  ENDPOINT_LIMITS_HELP,
  endpointLimitsFromFlags,
} from './endpoint-limit-flags';
import { runCommand, UsageError } from './run-command';
import { API_TOKEN_ENV, SERVE_DEFAULTS, serveCommand } from './serve-command';

/** The most attempts a job may allow (the job options schema's bound). */
const MAX_ATTEMPTS_LIMIT = JobOptions.shape.maxAttempts.unwrap().maxValue ?? 20;

const HELP = `thinkbatch — run JSONL prompt files through a reasoning model

Usage:
  thinkbatch run <input.jsonl> [options]
  thinkbatch serve [--port N] [--endpoint URL --api-key KEY | --simulate] [--data-dir DIR]

Options of run:
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

${ENDPOINT_LIMITS_HELP}
serve runs the embedded runtime with the job API until stopped: thinkbatch serve --help

${CLIENT_COMMANDS_HELP}`;

const SERVE_HELP = `thinkbatch serve — the embedded runtime with the job API, on this machine

Usage:
  thinkbatch serve [--port N] [--endpoint URL --api-key KEY | --simulate] [--data-dir DIR]

Options:
  --port N             port to listen on (default ${SERVE_DEFAULTS.port}; 0 for any free port)
  --host ADDR          address to bind (default ${SERVE_DEFAULTS.host}: this machine only)
  --endpoint URL       OpenAI-compatible base URL (default $THINKBATCH_ENDPOINT, else NVIDIA's)
  --api-key KEY        endpoint key (default $NVIDIA_API_KEY)
  --model ID           model for lines that name none (default ${defaultPipelineConfig.defaultModel})
  --prices FILE        JSON prices per model (USD per 1M tokens) for cost estimates
  --simulate           use the built-in simulated reasoning endpoint (no key needed)
  --data-dir DIR       keep jobs, inputs and results here (default: a temporary directory, removed at exit)
  -h, --help           show this help

The API token is $${API_TOKEN_ENV} when set (at least 16 characters), else a new one printed once.
Every route but GET /v1/health needs "Authorization: Bearer <token>".

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
  if (argv[0] === 'serve') return serveMain(argv.slice(1));
  const client = clientCommand(argv[0]);
  if (client !== undefined)
    return runClientCommand(client, argv.slice(1), {
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
    });
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
    throw new UsageError(
      `unknown command "${command}" (try: thinkbatch run <input.jsonl>, thinkbatch serve, or thinkbatch --help)`,
    );
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

/** `thinkbatch serve …`: its own flags. */
async function serveMain(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      endpoint: { type: 'string' },
      'api-key': { type: 'string' },
      model: { type: 'string' },
      prices: { type: 'string' },
      simulate: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      ...ENDPOINT_LIMIT_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
  if (values.simulate && (values.endpoint !== undefined || values['api-key'] !== undefined))
    throw new UsageError('--simulate uses the built-in endpoint: leave out --endpoint and --api-key');
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535))
    throw new UsageError(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  const rateLimits = endpointLimitsFromFlags(values);
  return serveCommand(
    {
      simulate: values.simulate,
      rateLimits,
      ...(port !== undefined && { port }),
      ...(values.host !== undefined && { host: values.host }),
      ...(values.endpoint !== undefined && { endpoint: values.endpoint }),
      ...(values['api-key'] !== undefined && { apiKey: values['api-key'] }),
      ...(values.model !== undefined && { model: values.model }),
      ...(values.prices !== undefined && { prices: values.prices }),
      ...(values['data-dir'] !== undefined && { dataDir: values['data-dir'] }),
    },
    { env: process.env, stdout: process.stdout, stderr: process.stderr },
  );
}

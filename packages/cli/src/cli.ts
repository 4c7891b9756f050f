import { parseArgs } from 'node:util';
import { ConfigurationError, JobOptions, parseEndpointLimits } from '@thinkbatch/core';
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
  --model ID           model for lines that name none (default deepseek-ai/deepseek-r1)
  --max-attempts N     endpoint calls per line that may fail for reasons other than 429 (default 5)
  --concurrency N      most lines in flight per worker invocation (default: as many as the endpoint's
                       rate gate grants, up to 256)
  --simulate           use the built-in simulated reasoning endpoint (no key needed)

Endpoint limits (one rate gate per endpoint, model and key, shared by all workers and jobs;
N or "auto" to find the limit from 429s; defaults: NVIDIA's trial tier, with --simulate the simulator's):
  --rpm N|auto          requests per minute (default 40; --simulate: 6000)
  --tpm N|auto          tokens per minute, prompt + completion (default auto)
  --max-in-flight N|auto  calls in flight at once (default auto)
  --rate-window-ms MS   window the provider counts per-minute limits over (default 60000; --simulate: 1000)
  --max-rate-wait S     longest a line waits for capacity, seconds, then it fails rate_limited (default 600)
  --data-dir DIR       keep the local emulators' state here (default: a temporary directory)
  -h, --help           show this help
`;

function positiveInt(name: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`--${name} must be an integer from 1 to ${max}, got "${value}"`);
  }
  return n;
}

/** The endpoint limit flags, validated; only those given (the rest keep their defaults). */
function endpointLimitFlags(values: Readonly<Record<string, string | boolean | undefined>>) {
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  try {
    return parseEndpointLimits(
      {
        requestsPerMinute: text('rpm'),
        tokensPerMinute: text('tpm'),
        maxInFlight: text('max-in-flight'),
        windowMs: text('rate-window-ms'),
        longestWaitSeconds: text('max-rate-wait'),
      },
      {
        requestsPerMinute: '--rpm',
        tokensPerMinute: '--tpm',
        maxInFlight: '--max-in-flight',
        windowMs: '--rate-window-ms',
        longestWaitSeconds: '--max-rate-wait',
      },
    );
  } catch (error) {
    if (error instanceof ConfigurationError) {
      throw new UsageError(error.message.replace(/^invalid endpoint limits: /, ''), { cause: error });
    }
    throw error;
  }
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
      rpm: { type: 'string' },
      tpm: { type: 'string' },
      'max-in-flight': { type: 'string' },
      'rate-window-ms': { type: 'string' },
      'max-rate-wait': { type: 'string' },
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
  const rateLimits = endpointLimitFlags(values);
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
      rateLimits,
      ...(values['data-dir'] !== undefined && { dataDir: values['data-dir'] }),
    },
    { env: process.env, stdout: process.stdout, stderr: process.stderr },
  );
}

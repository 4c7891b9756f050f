import { parseArgs } from 'node:util';
import { REASONING_SHAPES } from '../completion/r1-response';
import { type FaultRates, RETRY_AFTER_FORMATS } from '../faults/fault';
import type { LatencyOptions } from '../limits/latency';
import type { EndpointLimits, LimitStep } from '../limits/limit-schedule';
import { REALISTIC_R1_OPTIONS, type SimulatorOptions } from '../simulator-options';

/** Port the CLI listens on when given none. */
export const DEFAULT_CLI_PORT = 8787;

export const CLI_HELP = `thinkbatch simulator: a simulated DeepSeek-R1 endpoint (OpenAI-compatible) on 127.0.0.1

Usage: pnpm exec tsx packages/simulator/src/main.ts [flags]

  --port <n>                 TCP port (0 = ephemeral)                      [${DEFAULT_CLI_PORT}]
  --seed <n>                 seed of answers, latencies and random faults  [1]
  --api-key <key>            require "Authorization: Bearer <key>"         [none]
  --model <id>               model listed by GET /v1/models (repeatable)   [deepseek-ai/deepseek-r1]
  --shape <shape>            ${REASONING_SHAPES.join(' | ')}  [reasoning_content]
  --realistic                R1-sized answers: ~12K reasoning tokens at 40 tokens/s
  --reasoning-median <n>     median reasoning tokens                       [40]
  --hide-reasoning-tokens    omit usage.completion_tokens_details (no reasoning parser)
  --latency-ms <n>           fixed time to first token
  --latency-median-ms <n>    log-normal time to first token, median        [10]
  --latency-sigma <x>        log-normal sigma                              [0.5]
  --tokens-per-second <n>    generation speed after the first token        [instant]
  --time-scale <x>           multiply every latency (0.01 = 100x faster)   [1]
  --concurrency <n>          max requests at once, more get 429            [unlimited]
  --rpm <n>                  max requests per window, more get 429         [unlimited]
  --tpm <n>                  max tokens per window, more get 429           [unlimited]
                             (charged at admission: prompt + max_tokens, or the whole answer without it)
  --rate-window-ms <n>       sliding window of --rpm/--tpm (1000: per-minute limits per second) [60000]
  --limit-step <at>:<limits> change limits <at> ms after start (repeatable), e.g.
                             --limit-step 20000:rpm=400 --limit-step 40000:rpm=1200,concurrency=unlimited
                             (limits: rpm, tpm, concurrency; a number or "unlimited")
  --retry-after <format>     hint on rate-limit 429s: ${RETRY_AFTER_FORMATS.join(' | ')}  [none]
                             (the time until the limits admit again; seconds rounded up)
  --fault-500 <p>            probability of HTTP 500                       [0]
  --fault-503 <p>            probability of HTTP 503                       [0]
  --fault-reset <p>          probability of a destroyed connection         [0]
  --fault-slow-headers <p>   probability of headers held back              [0]
  --slow-headers-ms <n>      how long slow headers are held back           [3000]
  --fault-truncated <p>      probability of a body cut short               [0]
  --fault-non-json <p>       probability of a 200 with a non-JSON body     [0]
  --fault-missing-usage <p>  probability of an answer without usage        [0]
  --help                     show this help

Stats (requests received, admitted, 429s by limit, succeeded, per-window peaks, timeline) are served as
JSON at GET /_stats on the same server, and printed on exit.
`;

export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'run'; readonly options: SimulatorOptions }
  | { readonly kind: 'error'; readonly message: string };

const NUMBER_FLAGS = [
  'port',
  'seed',
  'reasoning-median',
  'latency-ms',
  'latency-median-ms',
  'latency-sigma',
  'tokens-per-second',
  'time-scale',
  'concurrency',
  'rpm',
  'tpm',
  'rate-window-ms',
  'slow-headers-ms',
  'fault-500',
  'fault-503',
  'fault-reset',
  'fault-slow-headers',
  'fault-truncated',
  'fault-non-json',
  'fault-missing-usage',
] as const;
type NumberFlag = (typeof NUMBER_FLAGS)[number];

const RATE_FLAGS = {
  'fault-500': 'http500',
  'fault-503': 'http503',
  'fault-reset': 'connectionReset',
  'fault-slow-headers': 'slowHeaders',
  'fault-truncated': 'truncatedBody',
  'fault-non-json': 'nonJsonBody',
  'fault-missing-usage': 'missingUsage',
} as const satisfies Partial<Record<NumberFlag, keyof FaultRates>>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The flag's value when it is one of `allowed`, undefined when absent, an Error otherwise. */
function choice<T extends string>(
  flag: string,
  value: unknown,
  allowed: readonly T[],
): T | undefined | Error {
  if (value === undefined) return undefined;
  const found = allowed.find((candidate) => candidate === value);
  return found ?? new Error(`${flag} must be one of ${allowed.join(', ')}`);
}

function numbers(values: CliValues): Map<NumberFlag, number> | string {
  const result = new Map<NumberFlag, number>();
  for (const flag of NUMBER_FLAGS) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) return `--${flag} needs a number, got "${raw}"`;
    result.set(flag, value);
  }
  return result;
}

function latencyOf(n: Map<NumberFlag, number>, base: LatencyOptions | undefined): LatencyOptions | undefined {
  const fixed = n.get('latency-ms');
  if (fixed !== undefined) return { kind: 'fixed', ms: fixed };
  const median = n.get('latency-median-ms');
  const sigma = n.get('latency-sigma');
  if (median === undefined && sigma === undefined) return base;
  return { kind: 'lognormal', medianMs: median ?? 10, sigma: sigma ?? 0.5 };
}

const STEP_LIMITS = {
  rpm: 'requestsPerMinute',
  tpm: 'tokensPerMinute',
  concurrency: 'maxConcurrency',
} as const satisfies Record<string, keyof EndpointLimits>;

/** One `--limit-step <atMs>:<name>=<n|unlimited>[,…]` as a step, or an Error saying what is wrong. */
function limitStep(text: string): LimitStep | Error {
  const problem = new Error(
    `--limit-step needs <atMs>:<limit>=<n|unlimited>[,…] with limits ${Object.keys(STEP_LIMITS).join(', ')}, got "${text}"`,
  );
  const [at, limits, ...rest] = text.split(':');
  const atMs = Number(at);
  if (
    at === undefined ||
    at.trim() === '' ||
    !Number.isFinite(atMs) ||
    limits === undefined ||
    rest.length > 0
  ) {
    return problem;
  }
  const step: Mutable<LimitStep> = { atMs };
  for (const assignment of limits.split(',')) {
    const [name, raw, ...extra] = assignment.split('=');
    const option =
      name !== undefined && Object.hasOwn(STEP_LIMITS, name)
        ? STEP_LIMITS[name as keyof typeof STEP_LIMITS]
        : undefined;
    const value = raw === 'unlimited' ? null : Number(raw);
    if (option === undefined || raw === undefined || raw.trim() === '' || extra.length > 0) return problem;
    if (value !== null && !Number.isFinite(value)) return problem;
    step[option] = value;
  }
  return step;
}

function limitSchedule(texts: readonly string[]): LimitStep[] | Error {
  const steps: LimitStep[] = [];
  for (const text of texts) {
    const step = limitStep(text);
    if (step instanceof Error) return step;
    steps.push(step);
  }
  return steps;
}

/** Flags as `parseArgs` returns them; number flags stay strings until `numbers` reads them. */
interface CliValues {
  readonly help?: boolean | undefined;
  readonly realistic?: boolean | undefined;
  readonly model?: string[] | undefined;
  readonly shape?: string | undefined;
  readonly 'limit-step'?: string[] | undefined;
  readonly [flag: string]: unknown;
}

/** Turn command-line arguments into simulator options (validation of ranges is `startSimulator`'s). */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let values: CliValues;
  try {
    const stringFlags = Object.fromEntries(NUMBER_FLAGS.map((flag) => [flag, { type: 'string' as const }]));
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...stringFlags,
        help: { type: 'boolean' },
        realistic: { type: 'boolean' },
        'hide-reasoning-tokens': { type: 'boolean' },
        'api-key': { type: 'string' },
        model: { type: 'string', multiple: true },
        shape: { type: 'string' },
        'retry-after': { type: 'string' },
        'limit-step': { type: 'string', multiple: true },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { kind: 'help' };
  const n = numbers(values);
  if (typeof n === 'string') return { kind: 'error', message: n };
  const shape = choice('--shape', values.shape, REASONING_SHAPES);
  if (shape instanceof Error) return { kind: 'error', message: shape.message };
  const retryAfter = choice('--retry-after', values['retry-after'], RETRY_AFTER_FORMATS);
  if (retryAfter instanceof Error) return { kind: 'error', message: retryAfter.message };
  const schedule = limitSchedule(values['limit-step'] ?? []);
  if (schedule instanceof Error) return { kind: 'error', message: schedule.message };
  const realistic: SimulatorOptions = values.realistic === true ? REALISTIC_R1_OPTIONS : {};
  const faultRates: Record<string, number> = {};
  for (const [flag, name] of Object.entries(RATE_FLAGS)) {
    const rate = n.get(flag as NumberFlag);
    if (rate !== undefined) faultRates[name] = rate;
  }
  const median = n.get('reasoning-median');
  const baseTokens = realistic.reasoningTokens ?? { median: 40, sigma: 0.5, min: 8, max: 400 };
  const latency = latencyOf(n, realistic.latency);
  const models = values.model;
  const apiKey = values['api-key'];
  const options: Mutable<SimulatorOptions> = { ...realistic, port: n.get('port') ?? DEFAULT_CLI_PORT };
  const numberOptions = {
    seed: 'seed',
    tokensPerSecond: 'tokens-per-second',
    timeScale: 'time-scale',
    maxConcurrency: 'concurrency',
    requestsPerMinute: 'rpm',
    tokensPerMinute: 'tpm',
    rateWindowMs: 'rate-window-ms',
    slowHeadersMs: 'slow-headers-ms',
  } as const satisfies Partial<Record<keyof SimulatorOptions, NumberFlag>>;
  for (const [option, flag] of Object.entries(numberOptions)) {
    const value = n.get(flag);
    if (value !== undefined) options[option as keyof typeof numberOptions] = value;
  }
  if (typeof apiKey === 'string') options.apiKey = apiKey;
  if (Array.isArray(models)) options.models = models.map(String);
  if (shape !== undefined) options.shape = shape;
  if (median !== undefined) options.reasoningTokens = { ...baseTokens, median };
  if (latency !== undefined) options.latency = latency;
  if (retryAfter !== undefined) options.retryAfterFormat = retryAfter;
  if (Object.keys(faultRates).length > 0) options.faultRates = faultRates;
  if (schedule.length > 0) options.limitSchedule = schedule;
  if (values['hide-reasoning-tokens'] === true) options.reportReasoningTokens = false;
  return { kind: 'run', options };
}

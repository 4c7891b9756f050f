import { type SimulatorClock, systemClock } from './clock';
import type { ReasoningShape, TokenDistribution } from './completion/r1-response';
import type { FaultPlan, FaultRates, PromptFaultRule, RetryAfterFormat } from './faults/fault';
import { DEFAULT_LEDGER_LIMIT } from './ledger/token-ledger';
import type { LatencyOptions } from './limits/latency';
import { type LimitPhases, type LimitStep, resolveLimitPhases } from './limits/limit-schedule';

/** Configuration of a simulated endpoint. Everything is optional; defaults keep tests fast. */
export interface SimulatorOptions {
  /** TCP port on 127.0.0.1. @default 0 (ephemeral) */
  readonly port?: number;
  /** Seed of every random draw (answers, latencies, random faults). @default 1 */
  readonly seed?: number;
  /** Served by `GET /v1/models`. @default ['deepseek-ai/deepseek-r1'] */
  readonly models?: readonly string[];
  /** Answer 404 `model_not_found` for a model not in `models`. @default false */
  readonly rejectUnknownModels?: boolean;
  /** When set, every request must carry `Authorization: Bearer <apiKey>`, else 401. @default undefined */
  readonly apiKey?: string;
  /** @default 'reasoning_content' */
  readonly shape?: ReasoningShape;
  /** Length of the chain of thought. @default { median: 40, sigma: 0.5, min: 8, max: 400 } */
  readonly reasoningTokens?: TokenDistribution;
  /**
   * Report `usage.completion_tokens_details.reasoning_tokens`. Off imitates a server without a reasoning
   * parser, so clients must estimate. @default true
   */
  readonly reportReasoningTokens?: boolean;
  /** Time to first token. @default { kind: 'lognormal', medianMs: 10, sigma: 0.5, maxMs: 100 } */
  readonly latency?: LatencyOptions;
  /** Generation speed after the first token; null generates instantly. @default null */
  readonly tokensPerSecond?: number | null;
  /** Multiplies every latency (0.01 replays a realistic run 100 times faster). @default 1 */
  readonly timeScale?: number;
  /** Tokens per streamed chunk. @default 4 */
  readonly streamChunkTokens?: number;
  /** Requests served at once; more are answered 429. null: unlimited. @default null */
  readonly maxConcurrency?: number | null;
  /**
   * Requests admitted per `rateWindowMs` sliding window; more are answered 429 (`rpm`). Only admitted
   * requests count. null: unlimited. @default null
   */
  readonly requestsPerMinute?: number | null;
  /**
   * Tokens admitted per `rateWindowMs` sliding window; a request that would go over is answered 429
   * (`tpm`). A request is charged at admission, as OpenAI does, and never refunded: its prompt tokens
   * plus its `max_tokens` (or `max_completion_tokens`); without either, plus the completion tokens its
   * answer will have (the simulated model knows them up front, where a provider would reserve its
   * default cap). A request charged more than the limit is refused for good, without a retry hint.
   * null: unlimited. @default null
   */
  readonly tokensPerMinute?: number | null;
  /**
   * Length of the sliding window of `requestsPerMinute` and `tokensPerMinute` (and of the load stats).
   * Shrink it to compress time: 1000 enforces a per-minute limit per second. @default 60000
   */
  readonly rateWindowMs?: number;
  /**
   * Limits that change while the simulator runs: each step sets the limits it names (null lifts one) at
   * `atMs` after the simulator started, on its clock; the others keep their value. The limits above
   * hold from 0 until the first step. Example, 1,200/min → 400/min → 1,200/min:
   * `[{ atMs: 20_000, requestsPerMinute: 400 }, { atMs: 40_000, requestsPerMinute: 1200 }]`.
   * @default []
   */
  readonly limitSchedule?: readonly LimitStep[];
  /**
   * Retry hint on the rate limiter's 429s (NVIDIA documents none): `retry-after` in whole seconds
   * (rounded up), `retry-after-ms`, both, or none. The hint is the time until the limits admit the
   * request again: when enough of the window has slid out, or when the first call in flight expects to
   * finish. @default 'none'
   */
  readonly retryAfterFormat?: RetryAfterFormat;
  /** @default {} (no random faults) */
  readonly faultRates?: FaultRates;
  /** Delay of a `slowHeaders` fault that gives none. @default 3000 */
  readonly slowHeadersMs?: number;
  /** Scripted faults, consulted first. @default undefined */
  readonly faultPlan?: FaultPlan;
  /** Scripted faults by prompt substring, consulted after `faultPlan`. @default [] */
  readonly promptFaults?: readonly PromptFaultRule[];
  /** Entries the token ledger keeps (the oldest are dropped past it). @default 100000 */
  readonly ledgerLimit?: number;
  /** Larger request bodies are answered 413. @default 10485760 */
  readonly maxBodyBytes?: number;
  /**
   * Source of time for every wait (latency, slow headers, stream pacing) and timestamp (rate window,
   * `created`). Inject one to drive the simulator from a test without sleeping.
   * @default the system clock (`Date.now`, `setTimeout`)
   */
  readonly clock?: SimulatorClock;
}

/** Options with every default applied. */
export type ResolvedSimulatorOptions = Required<Omit<SimulatorOptions, 'apiKey' | 'faultPlan'>> & {
  readonly apiKey: string | null;
  readonly faultPlan: FaultPlan | null;
};

/** R1-sized answers (about 12K reasoning tokens, 40 tokens/s): combine with `timeScale` to stay fast. */
export const REALISTIC_R1_OPTIONS = {
  reasoningTokens: { median: 12_000, sigma: 0.6, min: 300, max: 64_000 },
  latency: { kind: 'lognormal', medianMs: 1_500, sigma: 0.6, maxMs: 30_000 },
  tokensPerSecond: 40,
  streamChunkTokens: 1,
} as const satisfies SimulatorOptions;

function positive(name: string, value: number | null): void {
  if (value !== null && !(value > 0))
    throw new RangeError(`simulator option ${name} must be > 0, got ${value}`);
}

/** Apply defaults and reject values that cannot work (a bug in the caller, so it throws). */
export function resolveSimulatorOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const resolved: ResolvedSimulatorOptions = {
    port: options.port ?? 0,
    seed: options.seed ?? 1,
    models: options.models ?? ['deepseek-ai/deepseek-r1'],
    rejectUnknownModels: options.rejectUnknownModels ?? false,
    apiKey: options.apiKey ?? null,
    shape: options.shape ?? 'reasoning_content',
    reasoningTokens: options.reasoningTokens ?? { median: 40, sigma: 0.5, min: 8, max: 400 },
    reportReasoningTokens: options.reportReasoningTokens ?? true,
    latency: options.latency ?? { kind: 'lognormal', medianMs: 10, sigma: 0.5, maxMs: 100 },
    tokensPerSecond: options.tokensPerSecond ?? null,
    timeScale: options.timeScale ?? 1,
    streamChunkTokens: options.streamChunkTokens ?? 4,
    maxConcurrency: options.maxConcurrency ?? null,
    requestsPerMinute: options.requestsPerMinute ?? null,
    tokensPerMinute: options.tokensPerMinute ?? null,
    rateWindowMs: options.rateWindowMs ?? 60_000,
    limitSchedule: options.limitSchedule ?? [],
    retryAfterFormat: options.retryAfterFormat ?? 'none',
    faultRates: options.faultRates ?? {},
    slowHeadersMs: options.slowHeadersMs ?? 3_000,
    faultPlan: options.faultPlan ?? null,
    promptFaults: options.promptFaults ?? [],
    ledgerLimit: options.ledgerLimit ?? DEFAULT_LEDGER_LIMIT,
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    clock: options.clock ?? systemClock,
  };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65_535) {
    throw new RangeError(`simulator option port must be an integer in 0–65535, got ${resolved.port}`);
  }
  positive('maxConcurrency', resolved.maxConcurrency);
  positive('requestsPerMinute', resolved.requestsPerMinute);
  positive('tokensPerMinute', resolved.tokensPerMinute);
  limitPhasesOf(resolved); // throws on a bad schedule
  positive('rateWindowMs', resolved.rateWindowMs);
  positive('tokensPerSecond', resolved.tokensPerSecond);
  positive('streamChunkTokens', resolved.streamChunkTokens);
  if (!(resolved.timeScale >= 0)) throw new RangeError('simulator option timeScale must be >= 0');
  const { min, max, median } = resolved.reasoningTokens;
  if (!(min >= 0 && min <= max && median > 0)) {
    throw new RangeError('simulator option reasoningTokens needs 0 <= min <= max and median > 0');
  }
  for (const [name, rate] of Object.entries(resolved.faultRates)) {
    if (typeof rate === 'number' && !(rate >= 0 && rate <= 1)) {
      throw new RangeError(`simulator fault rate ${name} must be in [0, 1], got ${rate}`);
    }
  }
  return resolved;
}

/** The phases of the limit schedule, the base limits first. */
export function limitPhasesOf(options: ResolvedSimulatorOptions): LimitPhases {
  const { requestsPerMinute, tokensPerMinute, maxConcurrency } = options;
  return resolveLimitPhases({ requestsPerMinute, tokensPerMinute, maxConcurrency }, options.limitSchedule);
}

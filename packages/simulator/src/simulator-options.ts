import type { FaultSpec, RetryAfterFormat } from './fault';

/** Where the simulated model puts its chain of thought (REFERENCE §1). */
export const REASONING_SHAPES = [
  'reasoning_content',
  'reasoning',
  'think_tags',
  'closing_think_only',
] as const;
export type ReasoningShape = (typeof REASONING_SHAPES)[number];

/** Time to first token (the wait before anything is generated). */
export type LatencyOptions =
  | { readonly kind: 'fixed'; readonly ms: number }
  /** Log-normal: half the requests wait less than `medianMs`; `sigma` is the spread of ln(ms). */
  | {
      readonly kind: 'lognormal';
      readonly medianMs: number;
      readonly sigma: number;
      readonly maxMs?: number;
    };

/** A log-normal token count, clamped to [min, max]. */
export interface TokenDistribution {
  readonly median: number;
  readonly sigma: number;
  readonly min: number;
  readonly max: number;
}

/** Probability (0–1) of each random fault per admitted request. Draws are seeded. */
export interface FaultRates {
  readonly http500?: number;
  readonly http503?: number;
  readonly connectionReset?: number;
  readonly slowHeaders?: number;
  readonly truncatedBody?: number;
  readonly nonJsonBody?: number;
  readonly missingUsage?: number;
}

/** What a fault plan sees about one request. */
export interface FaultContext {
  /** 0-based index of this chat request among all chat requests the simulator received. */
  readonly requestIndex: number;
  /** The parsed request body. */
  readonly body: Readonly<Record<string, unknown>>;
  /** All message contents joined with newlines. */
  readonly promptText: string;
  /** Hash of the messages, the key of `SimulatorStats.callsByPrompt`. */
  readonly promptKey: string;
  /** How many chat requests with the same messages came before this one. */
  readonly attempt: number;
  /** The `x-thinkbatch-custom-id` request header, when the client sent one. */
  readonly customIdHint: string | null;
}

/** Scripted faults: return a fault for this request, or null to let it through (random faults still apply). */
export type FaultPlan = (context: FaultContext) => FaultSpec | null | undefined;

/** Scripted fault for every request whose prompt text contains `match`. */
export interface PromptFaultRule {
  readonly match: string;
  readonly fault: FaultSpec;
  /** Apply to the first `times` matching requests only, then let them succeed. @default Infinity */
  readonly times?: number;
}

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
  /** Requests admitted per `rateWindowMs` sliding window; more are answered 429. null: unlimited. @default null */
  readonly requestsPerMinute?: number | null;
  /** Length of the rate window. Shrink it in tests. @default 60000 */
  readonly rateWindowMs?: number;
  /** Retry hint on rate-limit 429s (NVIDIA documents none). @default 'none' */
  readonly retryAfterFormat?: RetryAfterFormat;
  /** @default {} (no random faults) */
  readonly faultRates?: FaultRates;
  /** Delay of a `slowHeaders` fault that gives none. @default 3000 */
  readonly slowHeadersMs?: number;
  /** Scripted faults, consulted first. @default undefined */
  readonly faultPlan?: FaultPlan;
  /** Scripted faults by prompt substring, consulted after `faultPlan`. @default [] */
  readonly promptFaults?: readonly PromptFaultRule[];
  /** Larger request bodies are answered 413. @default 10485760 */
  readonly maxBodyBytes?: number;
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
    rateWindowMs: options.rateWindowMs ?? 60_000,
    retryAfterFormat: options.retryAfterFormat ?? 'none',
    faultRates: options.faultRates ?? {},
    slowHeadersMs: options.slowHeadersMs ?? 3_000,
    faultPlan: options.faultPlan ?? null,
    promptFaults: options.promptFaults ?? [],
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
  };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65_535) {
    throw new RangeError(`simulator option port must be an integer in 0–65535, got ${resolved.port}`);
  }
  positive('maxConcurrency', resolved.maxConcurrency);
  positive('requestsPerMinute', resolved.requestsPerMinute);
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

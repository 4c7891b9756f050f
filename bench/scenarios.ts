/**
 * The benchmark's scenarios: one rate-limited simulated endpoint each, described once here. Everything
 * else (simulator options, the ceiling, the runners' settings, the report) is derived from these values.
 *
 * Time is compressed the way providers enforce per-minute limits: a limit quoted per minute is enforced
 * over a sliding window of `windowMs` (1 s), so "1,200/min" admits 20 requests in any 1 s. Rates and
 * latencies stay real (20/s, 200 ms); only the window, and whatever a client ties to it (the cookbook
 * processor's 15 s pause: 15 s of a 60 s window → 250 ms of a 1 s window), shrink 60 times.
 */
import type { LimitStep, RetryAfterFormat, SimulatorOptions } from '../packages/simulator/src/index';

/** Ids of the scenarios, in report order. */
export const SCENARIO_IDS = ['rpm', 'concurrency', 'rpm-step', 'tpm', 'shared'] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** Limits as the simulator takes them: requests and tokens per window, calls in flight; null: none. */
export interface WindowLimits {
  readonly requestsPerWindow: number | null;
  readonly tokensPerWindow: number | null;
  readonly maxConcurrency: number | null;
}

/** A change of the request limit `atMs` after the simulator started. */
export interface RequestLimitStep {
  readonly atMs: number;
  readonly requestsPerWindow: number;
}

export interface Scenario {
  readonly id: ScenarioId;
  /** Letter of the scenario in the brief and the report. */
  readonly letter: string;
  readonly title: string;
  /** Sliding window of the request and token limits, ms. */
  readonly windowMs: number;
  readonly limits: WindowLimits;
  /** Changes of the request limit over time (empty: constant limits). */
  readonly steps: readonly RequestLimitStep[];
  /** Log-normal time to answer: median and sigma of ln(ms). The mean is median × e^(σ²/2). */
  readonly latency: { readonly medianMs: number; readonly sigma: number };
  readonly retryAfter: RetryAfterFormat;
  /** Lines per job; two entries: two jobs submitted at once against the one endpoint. */
  readonly jobs: readonly number[];
  /** `max_tokens` of every line (null: none, the simulator then charges the answer's own length). */
  readonly maxTokens: number | null;
  /**
   * Extra `thinkbatch run` flags for this scenario: what a user who knows the endpoint's documented limits
   * would pass (limits per minute, counted over `--rate-window-ms`: the compressed window). A flag the
   * program does not list in `--help` is dropped (and reported).
   */
  readonly thinkbatchArgs: readonly string[];
  /** The cookbook processor's settings: the user's per-minute limits, the pause scaled to the window. */
  readonly parallelProcessor: {
    readonly requestsPerMinute?: number;
    readonly tokensPerMinute?: number;
    readonly pauseAfterRateLimitMs: number;
  };
}

/** Tokens a line's prompt is charged (prompts are fixed-length): see `prompts.ts`. */
export const PROMPT_TOKENS = 15;

/** How the scenarios are sized. */
export interface ScenarioScale {
  /** Multiplies every duration (window, latency, step times, pause); counts per window stay. @default 1 */
  readonly timeScale: number;
  /** Multiplies every job's line count (rounded, at least 4). @default 1 */
  readonly lineScale: number;
}

export const FULL_SCALE: ScenarioScale = { timeScale: 1, lineScale: 1 };
/** `pnpm bench --quick`: a few lines per scenario, every duration a quarter. */
export const QUICK_SCALE: ScenarioScale = { timeScale: 0.25, lineScale: 0.04 };

/** The per-minute rate a per-window count stands for. */
export const perMinute = (perWindow: number, windowMs: number): number =>
  Math.round((perWindow * 60_000) / windowMs);

/** The cookbook's pause after a 429 (15 s of a 60 s window), scaled to `windowMs`. */
const cookbookPauseMs = (windowMs: number): number => (15_000 * windowMs) / 60_000;

/** The five scenarios, at `scale`. */
export function scenarios(scale: ScenarioScale = FULL_SCALE): readonly Scenario[] {
  const t = (ms: number): number => ms * scale.timeScale;
  const lines = (n: number): number => Math.max(4, Math.round(n * scale.lineScale));
  const windowMs = t(1_000);
  const rpm = (perWindow: number): string => String(perMinute(perWindow, windowMs));
  const windowArg = ['--rate-window-ms', String(windowMs)];
  const pauseAfterRateLimitMs = cookbookPauseMs(windowMs);
  const noLimits: WindowLimits = { requestsPerWindow: null, tokensPerWindow: null, maxConcurrency: null };
  return [
    {
      id: 'rpm',
      letter: 'a',
      title: 'RPM-bound: 1,200/min, ~200 ms, Retry-After: 1',
      windowMs,
      limits: { ...noLimits, requestsPerWindow: 20 },
      steps: [],
      latency: { medianMs: t(200), sigma: 0.5 },
      retryAfter: 'seconds',
      jobs: [lines(600)],
      maxTokens: null,
      thinkbatchArgs: ['--rpm', rpm(20), ...windowArg],
      parallelProcessor: { requestsPerMinute: perMinute(20, windowMs), pauseAfterRateLimitMs },
    },
    {
      id: 'concurrency',
      letter: 'b',
      title: 'Concurrency-bound: 8 in flight, ~300 ms, no Retry-After',
      windowMs,
      limits: { ...noLimits, maxConcurrency: 8 },
      steps: [],
      latency: { medianMs: t(300), sigma: 0.5 },
      retryAfter: 'none',
      jobs: [lines(400)],
      maxTokens: null,
      // No documented request or token limit: the user gives the concurrency and leaves the request rate
      // to be found (`auto`; the default would be NVIDIA's trial tier, 40/min). The cookbook processor
      // keeps its defaults.
      thinkbatchArgs: ['--max-in-flight', '8', '--rpm', 'auto', ...windowArg],
      parallelProcessor: { pauseAfterRateLimitMs },
    },
    {
      id: 'rpm-step',
      letter: 'c',
      title: 'RPM step: 1,200 → 400 → 1,200 /min, ~200 ms, Retry-After: 1',
      windowMs,
      limits: { ...noLimits, requestsPerWindow: 20 },
      // 400/min is 6.67 per 1 s window; the simulator admits while fewer are in the window, so 7.
      steps: [
        { atMs: t(15_000), requestsPerWindow: 400 / 60 },
        { atMs: t(30_000), requestsPerWindow: 20 },
      ],
      latency: { medianMs: t(200), sigma: 0.5 },
      retryAfter: 'seconds',
      jobs: [lines(600)],
      maxTokens: null,
      // The user knows the limit they signed up for; the drop is not announced.
      thinkbatchArgs: ['--rpm', rpm(20), ...windowArg],
      parallelProcessor: { requestsPerMinute: perMinute(20, windowMs), pauseAfterRateLimitMs },
    },
    {
      id: 'tpm',
      letter: 'd',
      // Every line is charged its 15 prompt tokens + max_tokens 985 = 1,000 tokens at admission, so
      // 600,000 tokens/min (10,000 per window) admit 10 lines/s, half of what 1,200 requests/min would.
      title: 'TPM-bound: 600,000 tokens/min (and 1,200/min), 1,000 tokens per call, ~200 ms, Retry-After: 1',
      windowMs,
      limits: { ...noLimits, requestsPerWindow: 20, tokensPerWindow: 10_000 },
      steps: [],
      latency: { medianMs: t(200), sigma: 0.5 },
      retryAfter: 'seconds',
      jobs: [lines(240)],
      maxTokens: 1_000 - PROMPT_TOKENS,
      thinkbatchArgs: ['--rpm', rpm(20), '--tpm', String(perMinute(10_000, windowMs)), ...windowArg],
      parallelProcessor: {
        requestsPerMinute: perMinute(20, windowMs),
        tokensPerMinute: perMinute(10_000, windowMs),
        pauseAfterRateLimitMs,
      },
    },
    {
      id: 'shared',
      letter: 'e',
      title: 'Two jobs sharing one endpoint: 1,200/min, ~200 ms, Retry-After: 1',
      windowMs,
      limits: { ...noLimits, requestsPerWindow: 20 },
      steps: [],
      latency: { medianMs: t(200), sigma: 0.5 },
      retryAfter: 'seconds',
      jobs: [lines(250), lines(250)],
      maxTokens: null,
      thinkbatchArgs: ['--rpm', rpm(20), ...windowArg],
      // Each of the two processes is given the whole limit: neither knows of the other.
      parallelProcessor: { requestsPerMinute: perMinute(20, windowMs), pauseAfterRateLimitMs },
    },
  ];
}

/** The simulator behind one run of `scenario`: a fresh one per runner. */
export function simulatorOptions(scenario: Scenario): SimulatorOptions {
  const { limits } = scenario;
  const limitSchedule: LimitStep[] = scenario.steps.map((step) => ({
    atMs: step.atMs,
    requestsPerMinute: step.requestsPerWindow,
  }));
  return {
    seed: 1,
    rateWindowMs: scenario.windowMs,
    requestsPerMinute: limits.requestsPerWindow,
    tokensPerMinute: limits.tokensPerWindow,
    maxConcurrency: limits.maxConcurrency,
    limitSchedule,
    retryAfterFormat: scenario.retryAfter,
    latency: { kind: 'lognormal', medianMs: scenario.latency.medianMs, sigma: scenario.latency.sigma },
  };
}

/** Total lines of a scenario, all jobs together. */
export const totalLines = (scenario: Scenario): number => scenario.jobs.reduce((sum, n) => sum + n, 0);

import type { LimitPhase } from './limits/limit-schedule';
import type { RateLimitReason } from './limits/rate-limiter';
import { createLoadRecorder, type LoadStats, type RateLimitCounts } from './load-stats';

/** What the simulator has seen so far. A snapshot: later requests do not change it. */
export interface SimulatorStats {
  /** Every HTTP request, any path but the stats path. */
  readonly requests: number;
  /**
   * Chat completion requests that passed auth and validation (the ones that reach the "model"): the
   * requests received, admitted or refused by the rate limiter.
   */
  readonly chatRequests: number;
  /** Chat requests the rate limiter admitted. */
  readonly admitted: number;
  /** Answers sent complete and successful (the sum of `completedByPrompt`). */
  readonly succeeded: number;
  /** Responses by HTTP status (`'200'`, `'429'`, …); `'reset'` counts sockets destroyed before a status. */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Injected faults by label (`http503`, `connectionReset`, `slowHeaders`, …). */
  readonly byFault: Readonly<Record<string, number>>;
  /** 429s of the rate limiter, by the limit that refused (a scripted 429 fault is not counted here). */
  readonly rateLimited: RateLimitCounts;
  /** Chat requests being served now, and the most ever served at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Chat requests per `promptKey(messages)`, including those refused by the rate limiter or faulted. */
  readonly callsByPrompt: Readonly<Record<string, number>>;
  /** Complete, successful answers per `promptKey(messages)`. */
  readonly completedByPrompt: Readonly<Record<string, number>>;
  /** Requests whose client went away before the response was complete. */
  readonly clientAborts: number;
  /** Offered and admitted load per sliding window, per limit phase and over time. */
  readonly load: LoadStats;
}

/** Mutable counters behind `SimulatorStats`. */
export interface StatsRecorder {
  request(): void;
  /** A chat request arrived that would be charged `tokens`; returns how many calls its prompt has had. */
  chatRequest(promptKey: string, tokens?: number): number;
  /** The rate limiter admitted a request charged `tokens`. */
  admitted(tokens?: number): void;
  status(status: number | 'reset'): void;
  fault(label: string): void;
  rateLimited(reason: RateLimitReason): void;
  completed(promptKey: string): void;
  clientAbort(): void;
  snapshot(inFlight: number, maxInFlight: number): SimulatorStats;
}

export interface StatsRecorderOptions {
  /** Time source of the load stats. @default Date.now */
  readonly now?: () => number;
  /** Origin of the load stats' phases and timeline. @default now() when the recorder is created */
  readonly startedAt?: number;
  /** Sliding window of the load stats (the rate limiter's). @default 60000 */
  readonly windowMs?: number;
  /** Phases of the limit schedule. @default one phase without limits */
  readonly phases?: readonly LimitPhase[];
}

const bump = (counts: Record<string, number>, key: string): number => {
  counts[key] = (counts[key] ?? 0) + 1;
  return counts[key];
};

const NO_LIMITS: LimitPhase = {
  atMs: 0,
  requestsPerMinute: null,
  tokensPerMinute: null,
  maxConcurrency: null,
};

export function createStatsRecorder(options: StatsRecorderOptions = {}): StatsRecorder {
  const load = createLoadRecorder({
    now: options.now ?? Date.now,
    ...(options.startedAt === undefined ? {} : { startedAt: options.startedAt }),
    windowMs: options.windowMs ?? 60_000,
    phases: options.phases ?? [NO_LIMITS],
  });
  let requests = 0;
  let chatRequests = 0;
  let admitted = 0;
  let succeeded = 0;
  let clientAborts = 0;
  const byStatus: Record<string, number> = {};
  const byFault: Record<string, number> = {};
  const rateLimited = { concurrency: 0, rpm: 0, tpm: 0 };
  const callsByPrompt: Record<string, number> = {};
  const completedByPrompt: Record<string, number> = {};
  return {
    request: () => {
      requests += 1;
    },
    chatRequest: (promptKey, tokens = 0) => {
      chatRequests += 1;
      load.offered(tokens);
      return bump(callsByPrompt, promptKey);
    },
    admitted: (tokens = 0) => {
      admitted += 1;
      load.admitted(tokens);
    },
    status: (status) => void bump(byStatus, String(status)),
    fault: (label) => void bump(byFault, label),
    rateLimited: (reason) => {
      rateLimited[reason] += 1;
      load.rateLimited(reason);
    },
    completed: (promptKey) => {
      succeeded += 1;
      load.succeeded();
      bump(completedByPrompt, promptKey);
    },
    clientAbort: () => {
      clientAborts += 1;
    },
    snapshot: (inFlight, maxInFlight) => ({
      requests,
      chatRequests,
      admitted,
      succeeded,
      byStatus: { ...byStatus },
      byFault: { ...byFault },
      rateLimited: { ...rateLimited },
      inFlight,
      maxInFlight,
      callsByPrompt: { ...callsByPrompt },
      completedByPrompt: { ...completedByPrompt },
      clientAborts,
      load: load.snapshot(),
    }),
  };
}

import { z } from 'zod';
import { parse } from '../errors/parse';
import { ThinkbatchError } from '../errors/thinkbatch-error';
import type { RandomSource } from '../ports/clock';
import type { ModelCallFailure } from '../ports/model-client';

/** How the retry policy sees one failed attempt. */
export type FailureClass =
  | { readonly kind: 'retryable'; readonly reason: string; readonly retryAfterMs: number | null }
  | { readonly kind: 'permanent'; readonly reason: string };

/** HTTP statuses worth another try: timeout, conflict, too early, rate limited (plus every 5xx). */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 409, 425, 429]);

/**
 * Retryable: HTTP 408, 409, 425, 429 and 5xx, timeouts, connection errors, and `invalid_response` (a 200
 * whose body was unusable, often a truncated proxy reply). Permanent: every other status (400, 401, 403,
 * 404, 413, 422, …) and `aborted`, because an abort means the caller itself was cancelled: retrying is
 * not this policy's call (the caller hands the work back or marks it cancelled).
 */
export function classifyFailure(failure: ModelCallFailure): FailureClass {
  switch (failure.type) {
    case 'http_error': {
      const reason = `HTTP ${failure.status}: ${failure.message}`;
      const { status } = failure;
      return RETRYABLE_STATUSES.has(status) || (status >= 500 && status <= 599)
        ? { kind: 'retryable', reason, retryAfterMs: failure.retryAfterMs }
        : { kind: 'permanent', reason };
    }
    case 'timeout':
    case 'connection_error':
    case 'invalid_response':
      return { kind: 'retryable', reason: `${failure.type}: ${failure.message}`, retryAfterMs: null };
    case 'aborted':
      return { kind: 'permanent', reason: `aborted: ${failure.message}` };
  }
}

const Milliseconds = z.number().int().nonnegative();

/** Retry policy settings; parse with `parseRetryPolicyOptions` to fill the defaults. */
export const RetryPolicyOptions = z.strictObject({
  /** Attempts in all, the first included. @default 5 */
  maxAttempts: z.number().int().min(1).default(5),
  /** Backoff ceiling of the first retry; doubles with every attempt. @default 1000 */
  baseDelayMs: Milliseconds.default(1000),
  /** Cap of the backoff ceiling. @default 60_000 */
  maxDelayMs: Milliseconds.default(60_000),
  /** A server's Retry-After is honoured up to this long; a longer one waits this long. @default 120_000 */
  retryAfterCapMs: Milliseconds.default(120_000),
});
export type RetryPolicyOptions = z.infer<typeof RetryPolicyOptions>;

/** Validate retry settings and fill in defaults. Throws `ConfigurationError` on an unusable value. */
export function parseRetryPolicyOptions(input: unknown = {}): RetryPolicyOptions {
  return parse(RetryPolicyOptions, input, 'retry policy options');
}

/** The failures `decideRetry` judges; an `aborted` attempt is the caller's to handle (see `classifyFailure`). */
export type AttemptFailure = Exclude<ModelCallFailure, { readonly type: 'aborted' }>;

export interface DecideRetryArgs {
  readonly failure: AttemptFailure;
  /** Attempts made so far, the failed one included (1 after the first attempt). */
  readonly attempt: number;
  /** Current time, epoch ms. */
  readonly now: number;
  /** Epoch ms by which the caller must be done, or null for none. */
  readonly deadline: number | null;
  /** Missing fields take the defaults of `RetryPolicyOptions`. */
  readonly options?: Partial<RetryPolicyOptions>;
  readonly random: RandomSource;
}

export type RetryDecision =
  | { readonly kind: 'retry'; readonly delayMs: number }
  | {
      readonly kind: 'give_up';
      readonly code: 'attempts_exhausted' | 'endpoint_rejected' | 'deadline_exceeded' | 'invalid_response';
      readonly reason: string;
    };

/** Full jitter (AWS): uniform in [0, min(cap, base·2^(attempt−1))), in whole ms. */
function jitteredBackoff(attempt: number, options: RetryPolicyOptions, random: RandomSource): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(attempt - 1, 60));
  const r = random();
  if (!(r >= 0 && r < 1)) throw new ThinkbatchError(`random source must return a number in [0, 1), got ${r}`);
  return Math.floor(r * ceiling);
}

/**
 * Decide whether to try again after a failed attempt, and after how long. Pure and deterministic given
 * `now` and `random`. In order: a permanent failure gives up (`endpoint_rejected`); the last allowed
 * attempt gives up (`attempts_exhausted`, or `invalid_response` if that was the last failure); otherwise
 * wait a full-jitter backoff. A server's Retry-After, capped at `retryAfterCapMs`, is a floor for the
 * wait (a longer hint waits the cap rather than giving up: the server is alive, just busy). A wait that
 * would reach the deadline gives up (`deadline_exceeded`) instead of sleeping past it.
 */
export function decideRetry(args: DecideRetryArgs): RetryDecision {
  const { failure, attempt, now, deadline } = args;
  if (!Number.isSafeInteger(attempt) || attempt < 1) {
    throw new ThinkbatchError(`attempt must be a positive integer, got ${attempt}`);
  }
  const options = parseRetryPolicyOptions(args.options);
  const failureClass = classifyFailure(failure);
  if (failureClass.kind === 'permanent') {
    return { kind: 'give_up', code: 'endpoint_rejected', reason: failureClass.reason };
  }
  if (attempt >= options.maxAttempts) {
    return {
      kind: 'give_up',
      code: failure.type === 'invalid_response' ? 'invalid_response' : 'attempts_exhausted',
      reason: `${attempt} of ${options.maxAttempts} attempts made; last: ${failureClass.reason}`,
    };
  }

  let delayMs = jitteredBackoff(attempt, options, args.random);
  const hint = failureClass.retryAfterMs;
  if (hint !== null && Number.isFinite(hint)) {
    delayMs = Math.max(delayMs, Math.min(Math.max(0, Math.ceil(hint)), options.retryAfterCapMs));
  }
  if (deadline !== null && now + delayMs >= deadline) {
    return {
      kind: 'give_up',
      code: 'deadline_exceeded',
      reason: `a retry in ${delayMs} ms would reach the deadline (${Math.max(0, deadline - now)} ms left); last: ${failureClass.reason}`,
    };
  }
  return { kind: 'retry', delayMs };
}

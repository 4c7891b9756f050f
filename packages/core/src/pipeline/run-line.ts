import type { ChatRequestBody } from '../completion/chat';
import { extractReasoning } from '../completion/extract-reasoning';
import type { LineRef } from '../job/work-message';
import type { ModelCallFailure } from '../ports/model-client';
import type { PermitDecision } from '../rate-control/rate-permits';
import type { LineError, ResultLine } from '../results/result-line';
import { decideRetry } from '../retry/retry-policy';
import { normalizeUsage } from '../usage/normalize-usage';
import { callResultOf, optionalTokens, RATE_LIMITED_STATUS } from './line-call';
import { describeFailure, lineError } from './line-errors';
import type { LinePermits } from './line-permits';
import type { PipelineDeps } from './pipeline-deps';
import { unansweredResult } from './record-line-result';

/** What running one line came to in this delivery. */
export type LineRunOutcome =
  | { readonly kind: 'finished'; readonly result: ResultLine }
  /**
   * Not this invocation's to finish (time running out, a long wait ahead): send `ref` back after
   * `delayMs`. `ref` carries the line's 429s and waits so far, which the next delivery goes on from.
   */
  | { readonly kind: 'handed_back'; readonly delayMs: number; readonly reason: string; readonly ref: LineRef }
  /** Another delivery recorded the line: nothing for this one to do. */
  | { readonly kind: 'skipped'; readonly reason: string };

export interface LineRunContext {
  readonly jobId: string;
  readonly chunk: number;
  /** This delivery's lease holder id: one per work item delivery. */
  readonly holder: string;
  readonly ref: LineRef;
  readonly body: ChatRequestBody;
  /** Endpoint calls allowed for the line over all deliveries, not counting those refused with 429. */
  readonly maxAttempts: number;
  readonly attemptTimeoutMs: number;
  /** The job's deadline (epoch ms), or null. */
  readonly jobDeadline: number | null;
  /** When this invocation must be done (epoch ms). */
  readonly invocationDeadline: number;
  /** Whether the job was cancelled (checked before every attempt). */
  readonly isCancelled: () => Promise<boolean>;
  /** The invocation's permits for endpoint calls (its share of the endpoint's rate gate). */
  readonly permits: LinePermits;
  /** Longest the line may wait for endpoint capacity over all deliveries, ms; then it fails `rate_limited`. */
  readonly longestWaitMs: number;
  readonly signal?: AbortSignal;
}

/**
 * Call the endpoint for one line until it succeeds, fails for good, runs out of attempts or of time.
 *
 * Every call needs a permit of the endpoint's rate gate first, then a claim of the attempt in the job
 * store: the claim counts the call (so the limit holds across redeliveries) and leases the line to this
 * delivery, so a duplicate delivery never pays for it too. The permit comes first so that the line is
 * leased only for the call itself, never through a wait for capacity (a lease held through a long wait
 * would keep a redelivery from taking over a line whose holder died), and so that the attempt count is
 * exactly the calls made: a permit that finds the line taken is handed back unused.
 *
 * A 429 uses none of the retry budget (`maxAttempts` bounds the other failures; `attempts` in the result
 * counts every call): the gate, paused by it for every caller, says when to call again. Waiting for
 * capacity is bounded by the longest wait (over all deliveries) and the job's deadline, after which the
 * line fails `rate_limited`. A wait longer than `handBackAfterMs` hands the line back to the queue
 * unless the invocation has calls in flight or was granted a permit within that time (it lives on
 * for them anyway).
 */
export async function runLine(deps: PipelineDeps, ctx: LineRunContext): Promise<LineRunOutcome> {
  const { clock, config } = deps;
  const { ref, body } = ctx;
  let firstCallAt: number | null = null;
  let lastFailure: ModelCallFailure | null = null;
  /** Calls of this line refused with 429, and time it waited for capacity, over all deliveries. */
  let rateLimited = ref.rateLimited ?? 0;
  let waitedMs = ref.rateWaitedMs ?? 0;
  const finish = (
    status: 'failed' | 'expired' | 'cancelled',
    error: LineError,
    attempts: number,
  ): LineRunOutcome => ({
    kind: 'finished',
    result: unansweredResult({
      customId: ref.customId,
      line: ref.line,
      status,
      error,
      attempts,
      model: body.model,
    }),
  });
  const handBack = (delayMs: number, reason: string): LineRunOutcome => {
    const { rateLimited: _r, rateWaitedMs: _w, ...line } = ref;
    const waited = Math.round(waitedMs);
    return {
      kind: 'handed_back',
      delayMs: Math.max(0, delayMs),
      reason,
      ref: { ...line, ...(rateLimited > 0 && { rateLimited }), ...(waited > 0 && { rateWaitedMs: waited }) },
    };
  };
  const rateLimitedResult = async (why: string): Promise<LineRunOutcome> => {
    const attempts = await currentAttempts(deps, ctx);
    const last = lastFailure?.type === 'http_error' && lastFailure.status === 429 ? lastFailure : null;
    return finish(
      'failed',
      {
        code: 'rate_limited',
        message: `line ${ref.line}: ${why} (waited ${seconds(waitedMs)} for capacity in all; ${rateLimited} call(s) refused with 429)`,
        ...(last !== null && { http_status: last.status }),
      },
      attempts,
    );
  };

  for (;;) {
    const now = clock.now();
    if (ctx.jobDeadline !== null && now >= ctx.jobDeadline) {
      const attempts = await currentAttempts(deps, ctx);
      return finish(
        'expired',
        {
          code: 'deadline_exceeded',
          message: `line ${ref.line}: the job's deadline passed before it finished`,
        },
        attempts,
      );
    }
    if (await ctx.isCancelled()) {
      const attempts = await currentAttempts(deps, ctx);
      return finish(
        'cancelled',
        { code: 'cancelled', message: `line ${ref.line}: the job was cancelled before the line finished` },
        attempts,
      );
    }
    if (ctx.signal?.aborted) return handBack(0, 'invocation aborted');
    if (ctx.invocationDeadline - now < config.reserveMs) return handBack(0, 'invocation time running out');

    // 1. Permission from the endpoint's rate gate, within the bounds on waiting.
    const bounds = {
      longest: now + Math.max(0, ctx.longestWaitMs - waitedMs),
      job: ctx.jobDeadline ?? Number.POSITIVE_INFINITY,
      invocation: ctx.invocationDeadline - config.reserveMs,
      handBack: now + config.handBackAfterMs,
    };
    let decision: PermitDecision;
    try {
      decision = await ctx.permits.take(body.model, {
        deadline: Math.min(bounds.longest, bounds.job, bounds.invocation, bounds.handBack),
        ...(ctx.signal && { signal: ctx.signal }),
        ...optionalTokens(body),
      });
    } catch (error) {
      if (ctx.signal?.aborted) return handBack(0, 'invocation aborted');
      throw error;
    }
    waitedMs += decision.waitedMs;
    if (decision.kind === 'rate_limited') {
      const at = clock.now();
      // The earliest a permit can come: the end of a 429's pause when known, else not before now.
      const earliest = decision.until ?? at;
      if (earliest >= bounds.longest) {
        return rateLimitedResult(
          `no endpoint capacity within the longest wait (${seconds(ctx.longestWaitMs)})`,
        );
      }
      if (earliest >= bounds.job) {
        return rateLimitedResult("the job's deadline comes before the endpoint has capacity for the line");
      }
      if (earliest >= bounds.invocation) return handBack(earliest - at, 'invocation time running out');
      // An invocation with calls in flight lives on anyway; so does one still being granted permits,
      // unless a 429's pause stops everyone past this wait.
      const lastGrant = ctx.permits.lastGrantedAt;
      const granted = lastGrant !== null && at - lastGrant < config.handBackAfterMs;
      const progressing = ctx.permits.inCall > 0 || (decision.until === null && granted);
      if (!progressing) {
        // Nothing to live on for: hand the line back rather than keep the invocation waiting — for
        // after the pause when one is known, else at once, for an invocation getting capacity (or a
        // fresh one) to take up.
        const delayMs = decision.until === null ? 0 : decision.until - at;
        return handBack(delayMs, `waiting for endpoint capacity (${decision.reason})`);
      }
      if (decision.until !== null) {
        const napMs = Math.min(decision.until, bounds.handBack) - at;
        try {
          await clock.sleep(napMs, ctx.signal);
        } catch {
          return handBack(0, 'invocation aborted');
        }
        waitedMs += napMs;
      }
      continue;
    }
    const { permit } = decision;
    if (decision.waitedMs >= RECHECK_AFTER_WAIT_MS) {
      // A long wait may have outlived the job's deadline or a cancel: look again before paying.
      const after = clock.now();
      if ((ctx.jobDeadline !== null && after >= ctx.jobDeadline) || (await ctx.isCancelled())) {
        await permit.cancel();
        continue;
      }
    }

    // 2. The claim: counts the call and leases the line for it.
    const now2 = clock.now();
    let claim: Awaited<ReturnType<PipelineDeps['jobs']['claimLineAttempt']>>;
    try {
      claim = await deps.jobs.claimLineAttempt(ctx.jobId, ctx.chunk, ref.line, {
        holder: ctx.holder,
        until: ctx.invocationDeadline,
        now: now2,
      });
    } catch (error) {
      await permit.cancel().catch(() => {});
      throw error;
    }
    if (claim.kind === 'recorded') {
      await permit.cancel();
      return { kind: 'skipped', reason: 'recorded by another delivery' };
    }
    // Another live delivery runs it. Come back later rather than drop it: if that delivery dies, this
    // hand-back is what still carries the line.
    if (claim.kind === 'held') {
      await permit.cancel();
      const delayMs = Math.min(Math.max(0, claim.until - now2), deps.config.heldLineRecheckMs);
      return handBack(delayMs, 'another delivery holds the line');
    }
    // Attempts that count against the budget: every call but those refused with 429, this one included.
    const attempt = claim.attempts - rateLimited;
    if (attempt > ctx.maxAttempts) {
      await permit.cancel();
      const detail =
        lastFailure === null ? 'in earlier deliveries' : `; last: ${describeFailure(lastFailure)}`;
      return finish(
        'failed',
        {
          code: 'attempts_exhausted',
          message: `line ${ref.line}: ${ctx.maxAttempts} attempts used ${detail}`,
        },
        claim.attempts - 1,
      );
    }

    // 3. The call. It never outlives the invocation: it keeps half the reserve for recording the result.
    const timeLeft = ctx.invocationDeadline - now2 - config.reserveMs / 2;
    const timeoutMs = Math.max(1, Math.min(ctx.attemptTimeoutMs, timeLeft));
    firstCallAt ??= clock.now();
    const call = await deps.model.complete(body, { timeoutMs, ...(ctx.signal && { signal: ctx.signal }) });
    // The gate learns from every call; a failed report is retried with the next one, never the line's loss.
    await permit.finish(callResultOf(call)).catch((error: unknown) =>
      deps.log.warn('could not report a call to the rate gate', {
        jobId: ctx.jobId,
        line: ref.line,
        error: String(error),
      }),
    );

    if (call.kind === 'completed') {
      const extracted = extractReasoning(call.completion);
      return {
        kind: 'finished',
        result: {
          custom_id: ref.customId,
          line: ref.line,
          status: 'succeeded',
          reasoning: extracted.reasoning,
          answer: extracted.answer,
          finish_reason: extracted.finishReason,
          usage: normalizeUsage(call.completion.usage, extracted.reasoning),
          attempts: claim.attempts,
          latency_ms: Math.max(0, Math.round(clock.now() - firstCallAt)),
          model: call.completion.model ?? body.model,
          request_id: call.requestId,
          error: null,
        },
      };
    }

    const failure = call.failure;
    lastFailure = failure;
    if (failure.type === 'aborted') return handBack(0, 'invocation aborted');
    if (failure.type === 'http_error' && failure.status === RATE_LIMITED_STATUS) {
      // Not the line's fault: no budget used, no backoff of its own. The gate, paused by this 429 for
      // every caller (its Retry-After, or one request interval), decides when the next call may start.
      rateLimited += 1;
      continue;
    }
    const cutShortByInvocation = failure.type === 'timeout' && timeoutMs < ctx.attemptTimeoutMs;
    const decisionToRetry = decideRetry({
      failure,
      attempt,
      now: clock.now(),
      deadline: ctx.jobDeadline,
      options: { ...config.retry, maxAttempts: ctx.maxAttempts },
      random: deps.random,
    });
    if (decisionToRetry.kind === 'give_up') {
      const status = decisionToRetry.code === 'deadline_exceeded' ? 'expired' : 'failed';
      return finish(
        status,
        lineError(decisionToRetry.code, ref.line, failure, decisionToRetry.reason),
        claim.attempts,
      );
    }
    if (cutShortByInvocation) return handBack(0, 'attempt cut short by the invocation limit');
    const { delayMs } = decisionToRetry;
    const wakeAt = clock.now() + delayMs;
    if (delayMs >= config.handBackAfterMs || ctx.invocationDeadline - wakeAt < config.reserveMs) {
      return handBack(delayMs, `retry in ${delayMs} ms after ${describeFailure(failure)}`);
    }
    try {
      await clock.sleep(delayMs, ctx.signal);
    } catch {
      return handBack(0, 'invocation aborted');
    }
  }
}

/**
 * A wait for a permit at least this long reads the job's cancel flag again before the call (it was read
 * just before the wait). A shorter one does not: the re-read would hold the permit's slot idle for a job
 * store round trip on every call — about a tenth of the endpoint's concurrency when calls take 300 ms —
 * to catch a cancel at most this much sooner.
 */
export const RECHECK_AFTER_WAIT_MS = 1_000;

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

async function currentAttempts(deps: PipelineDeps, ctx: LineRunContext): Promise<number> {
  const chunk = await deps.jobs.getChunk(ctx.jobId, ctx.chunk);
  return chunk?.attempts[String(ctx.ref.line)] ?? 0;
}

export { describeFailure } from './line-errors';

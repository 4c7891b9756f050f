import type { ChatRequestBody } from '../completion/chat';
import { extractReasoning } from '../completion/extract-reasoning';
import type { LineRef } from '../job/work-message';
import type { LineAttemptClaim, LineClaim } from '../ports/job-store';
import type { ModelCallFailure } from '../ports/model-client';
import type { PermitDecision } from '../rate-control/rate-permits';
import type { LineError, ResultLine } from '../results/result-line';
import { decideRetry } from '../retry/retry-policy';
import { normalizeUsage } from '../usage/normalize-usage';
import type { CancelCheck } from './cancel-watch';
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
  readonly isCancelled: CancelCheck;
  /**
   * Claim an attempt of the line (a delivery's claims of a chunk go in groups: `createLineClaims`), and
   * learn of a cancel from it. @default `deps.jobs.claimLineAttempt` for the line
   */
  readonly claimAttempt?: (claim: LineClaim) => Promise<LineAttemptClaim>;
  /** The invocation's permits for endpoint calls (its share of the endpoint's rate gate). */
  readonly permits: LinePermits;
  /** Longest the line may wait for endpoint capacity over all deliveries, ms; then it fails `rate_limited`. */
  readonly longestWaitMs: number;
  readonly signal?: AbortSignal;
}

/**
 * Call the endpoint for one line until it succeeds, fails for good, runs out of attempts or of time.
 *
 * Every call needs a claim of the attempt in the job store, then a permit of the endpoint's rate gate:
 * the claim counts the call (so the limit holds across redeliveries) and leases the line to this
 * delivery, so a duplicate delivery never pays for it too. The claim comes first so that a permit's
 * slot and start time go straight to the call: a job store round trip between them would hold the slot
 * idle on every call (a tenth of a known concurrency limit at 300 ms answers) and make calls late by a
 * varying amount, which crowds the provider's window. A claim that makes no call (the line is handed
 * back, fails `rate_limited`, is cancelled or expires while waiting) is counted in `unusedClaims`
 * (carried by hand-backs), so `attempts` still counts calls only.
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
  /** Claims of earlier deliveries that made no call. */
  const unusedBefore = ref.unusedClaims ?? 0;
  /** This delivery's claim not used by a call yet (its attempt count), or null. */
  let claimed: number | null = null;
  /** Claims that made no call, over all deliveries, if the line stopped now. */
  const unusedClaims = (): number => unusedBefore + (claimed === null ? 0 : 1);
  /** Calls made for the line so far, from the job store's attempt count. */
  const callsSoFar = async (): Promise<number> =>
    Math.max(0, (claimed ?? (await currentAttempts(deps, ctx))) - unusedClaims());
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
    const { rateLimited: _r, rateWaitedMs: _w, unusedClaims: _u, ...line } = ref;
    const waited = Math.round(waitedMs);
    const unused = unusedClaims();
    return {
      kind: 'handed_back',
      delayMs: Math.max(0, delayMs),
      reason,
      ref: {
        ...line,
        ...(rateLimited > 0 && { rateLimited }),
        ...(waited > 0 && { rateWaitedMs: waited }),
        ...(unused > 0 && { unusedClaims: unused }),
      },
    };
  };
  const cancelledResult = (attempts: number): LineRunOutcome =>
    finish(
      'cancelled',
      { code: 'cancelled', message: `line ${ref.line}: the job was cancelled before the line finished` },
      attempts,
    );
  const rateLimitedResult = async (why: string): Promise<LineRunOutcome> => {
    const attempts = await callsSoFar();
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
      return finish(
        'expired',
        {
          code: 'deadline_exceeded',
          message: `line ${ref.line}: the job's deadline passed before it finished`,
        },
        await callsSoFar(),
      );
    }
    if (await ctx.isCancelled()) return cancelledResult(await callsSoFar());
    if (ctx.signal?.aborted) return handBack(0, 'invocation aborted');
    if (ctx.invocationDeadline - now < config.reserveMs) return handBack(0, 'invocation time running out');

    // 1. The claim (once per call): counts the call and leases the line for it.
    if (claimed === null) {
      const claimAttempt =
        ctx.claimAttempt ?? ((c: LineClaim) => deps.jobs.claimLineAttempt(ctx.jobId, ctx.chunk, ref.line, c));
      const claim = await claimAttempt({ holder: ctx.holder, until: ctx.invocationDeadline, now });
      if (claim.kind === 'recorded') return { kind: 'skipped', reason: 'recorded by another delivery' };
      // The job was cancelled: the claim counted nothing.
      if (claim.kind === 'cancelled') return cancelledResult(await callsSoFar());
      // Another live delivery runs it. Come back later rather than drop it: if that delivery dies, this
      // hand-back is what still carries the line.
      if (claim.kind === 'held') {
        const delayMs = Math.min(Math.max(0, claim.until - now), deps.config.heldLineRecheckMs);
        return handBack(delayMs, 'another delivery holds the line');
      }
      // Attempts that count against the budget: every call but those refused with 429, this one included.
      const attempt = claim.attempts - rateLimited - unusedBefore;
      if (attempt > ctx.maxAttempts) {
        const detail =
          lastFailure === null ? 'in earlier deliveries' : `; last: ${describeFailure(lastFailure)}`;
        return finish(
          'failed',
          {
            code: 'attempts_exhausted',
            message: `line ${ref.line}: ${ctx.maxAttempts} attempts used ${detail}`,
          },
          claim.attempts - 1 - unusedBefore,
        );
      }
      claimed = claim.attempts;
    }

    // 2. Permission from the endpoint's rate gate, within the bounds on waiting.
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
      // An invocation with calls in flight lives on anyway; so does one still being granted permits, or
      // holding start times still to come (handing its lines back would lose them: the gate's schedule
      // does not rewind, and at ≤ 3 requests/min a line would never reach its start), unless a 429's
      // pause stops everyone past this wait.
      const lastGrant = ctx.permits.lastGrantedAt;
      const granted = lastGrant !== null && at - lastGrant < config.handBackAfterMs;
      const holding = ctx.permits.startsHeld > 0;
      const progressing = ctx.permits.inCall > 0 || (decision.until === null && (granted || holding));
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
      // A long wait may have outlived the job's deadline or a cancel: look again before paying (the
      // claim stays held for the next round of the loop, which ends the line if so). A read another
      // line of the delivery started within the last second will do: a read of its own here would make
      // the call late by a job store round trip, which crowds the provider's window.
      const after = clock.now();
      const stopped =
        (ctx.jobDeadline !== null && after >= ctx.jobDeadline) ||
        (await ctx.isCancelled({ startedWithinMs: RECHECK_AFTER_WAIT_MS }));
      if (stopped) {
        await permit.cancel();
        continue;
      }
    }

    // 3. The call. It never outlives the invocation: it keeps half the reserve for recording the result.
    const attempts = claimed;
    claimed = null;
    const timeLeft = ctx.invocationDeadline - clock.now() - config.reserveMs / 2;
    const timeoutMs = Math.max(1, Math.min(ctx.attemptTimeoutMs, timeLeft));
    const calledAt = clock.now();
    firstCallAt ??= calledAt;
    const call = await deps.model.complete(body, { timeoutMs, ...(ctx.signal && { signal: ctx.signal }) });
    // The gate learns from every call; a failed report is retried with the next one, never the line's loss.
    // Its lateness counts from the request's real send time when the client reports one.
    await permit.finish(callResultOf(call), call.sentAt ?? calledAt).catch((error: unknown) =>
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
          attempts: attempts - unusedBefore,
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
      attempt: attempts - rateLimited - unusedBefore,
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
        attempts - unusedBefore,
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
 * A wait for a permit at least this long looks at the job's cancel flag again before the call (it was
 * read just before the wait), through a read started at most this long ago. A shorter wait does not:
 * the re-read would hold the permit's slot idle for a job store round trip on every call — about a
 * tenth of the endpoint's concurrency when calls take 300 ms — to catch a cancel at most this much sooner.
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

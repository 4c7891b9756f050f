import type { ChatRequestBody } from '../completion/chat';
import { extractReasoning } from '../completion/extract-reasoning';
import type { LineRef } from '../job/work-message';
import type { ModelCallFailure } from '../ports/model-client';
import type { LineError, ResultLine } from '../results/result-line';
import { decideRetry } from '../retry/retry-policy';
import { normalizeUsage } from '../usage/normalize-usage';
import type { PipelineDeps } from './pipeline-deps';
import { unansweredResult } from './record-line-result';

/** What running one line came to in this delivery. */
export type LineRunOutcome =
  | { readonly kind: 'finished'; readonly result: ResultLine }
  /** Not this invocation's to finish (time running out, a long wait ahead): send it back after `delayMs`. */
  | { readonly kind: 'handed_back'; readonly delayMs: number; readonly reason: string }
  /** Another delivery recorded the line: nothing for this one to do. */
  | { readonly kind: 'skipped'; readonly reason: string };

export interface LineRunContext {
  readonly jobId: string;
  readonly chunk: number;
  /** This delivery's lease holder id: one per work item delivery. */
  readonly holder: string;
  readonly ref: LineRef;
  readonly body: ChatRequestBody;
  /** Endpoint calls allowed for the line over all deliveries. */
  readonly maxAttempts: number;
  readonly attemptTimeoutMs: number;
  /** The job's deadline (epoch ms), or null. */
  readonly jobDeadline: number | null;
  /** When this invocation must be done (epoch ms). */
  readonly invocationDeadline: number;
  /** Whether the job was cancelled (checked before every attempt). */
  readonly isCancelled: () => Promise<boolean>;
  readonly signal?: AbortSignal;
}

/**
 * Call the endpoint for one line until it succeeds, fails for good, runs out of attempts or of time.
 * Each attempt is claimed in the job store first: that counts it (so the limit holds across
 * redeliveries) and leases the line to this delivery, so a duplicate delivery never pays for it too.
 */
export async function runLine(deps: PipelineDeps, ctx: LineRunContext): Promise<LineRunOutcome> {
  const { clock, config } = deps;
  const { ref, body } = ctx;
  const startedAt = clock.now();
  let lastFailure: ModelCallFailure | null = null;
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
    if (ctx.signal?.aborted) return { kind: 'handed_back', delayMs: 0, reason: 'invocation aborted' };
    if (ctx.invocationDeadline - now < config.reserveMs)
      return { kind: 'handed_back', delayMs: 0, reason: 'invocation time running out' };

    const claim = await deps.jobs.claimLineAttempt(ctx.jobId, ctx.chunk, ref.line, {
      holder: ctx.holder,
      until: ctx.invocationDeadline,
      now,
    });
    if (claim.kind === 'recorded') return { kind: 'skipped', reason: 'recorded by another delivery' };
    // Another live delivery runs it. Come back later rather than drop it: if that delivery dies, this
    // hand-back is what still carries the line.
    if (claim.kind === 'held') {
      const delayMs = Math.min(Math.max(0, claim.until - now), deps.config.heldLineRecheckMs);
      return { kind: 'handed_back', delayMs, reason: 'another delivery holds the line' };
    }
    const attempt = claim.attempts;
    if (attempt > ctx.maxAttempts) {
      const detail =
        lastFailure === null ? 'in earlier deliveries' : `; last: ${describeFailure(lastFailure)}`;
      return finish(
        'failed',
        {
          code: 'attempts_exhausted',
          message: `line ${ref.line}: ${ctx.maxAttempts} attempts used ${detail}`,
        },
        ctx.maxAttempts,
      );
    }
    // An attempt never outlives the invocation: it keeps half the reserve for recording the result.
    const timeLeft = ctx.invocationDeadline - now - config.reserveMs / 2;
    const timeoutMs = Math.max(1, Math.min(ctx.attemptTimeoutMs, timeLeft));
    const call = await deps.model.complete(body, { timeoutMs, ...(ctx.signal && { signal: ctx.signal }) });

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
          attempts: attempt,
          latency_ms: Math.max(0, Math.round(clock.now() - startedAt)),
          model: call.completion.model ?? body.model,
          request_id: call.requestId,
          error: null,
        },
      };
    }

    const failure = call.failure;
    lastFailure = failure;
    if (failure.type === 'aborted') return { kind: 'handed_back', delayMs: 0, reason: 'invocation aborted' };
    const cutShortByInvocation = failure.type === 'timeout' && timeoutMs < ctx.attemptTimeoutMs;
    const decision = decideRetry({
      failure,
      attempt,
      now: clock.now(),
      deadline: ctx.jobDeadline,
      options: { ...config.retry, maxAttempts: ctx.maxAttempts },
      random: deps.random,
    });
    if (decision.kind === 'give_up') {
      const status = decision.code === 'deadline_exceeded' ? 'expired' : 'failed';
      return finish(status, lineError(decision.code, ref.line, failure, decision.reason), attempt);
    }
    if (cutShortByInvocation)
      return { kind: 'handed_back', delayMs: 0, reason: 'attempt cut short by the invocation limit' };
    const wakeAt = clock.now() + decision.delayMs;
    if (decision.delayMs >= config.handBackAfterMs || ctx.invocationDeadline - wakeAt < config.reserveMs) {
      return {
        kind: 'handed_back',
        delayMs: decision.delayMs,
        reason: `retry in ${decision.delayMs} ms after ${describeFailure(failure)}`,
      };
    }
    try {
      await clock.sleep(decision.delayMs, ctx.signal);
    } catch {
      return { kind: 'handed_back', delayMs: 0, reason: 'invocation aborted' };
    }
  }
}

async function currentAttempts(deps: PipelineDeps, ctx: LineRunContext): Promise<number> {
  const chunk = await deps.jobs.getChunk(ctx.jobId, ctx.chunk);
  return chunk?.attempts[String(ctx.ref.line)] ?? 0;
}

function lineError(
  code: LineError['code'],
  line: number,
  failure: ModelCallFailure,
  reason: string,
): LineError {
  const base: LineError = { code, message: `line ${line}: ${reason} (${describeFailure(failure)})` };
  return failure.type === 'http_error' ? { ...base, http_status: failure.status } : base;
}

/** A one-line description of a failure, safe to store (adapters keep secrets out of messages). */
export function describeFailure(failure: ModelCallFailure): string {
  return failure.type === 'http_error'
    ? `HTTP ${failure.status}: ${failure.message}`
    : `${failure.type}: ${failure.message}`;
}

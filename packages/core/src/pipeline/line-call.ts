/** What a line's endpoint call tells the rate gate, and what the gate needs to know before it. */
import type { ChatRequestBody } from '../completion/chat';
import type { ChunkRecord } from '../job/chunk';
import type { LineRef } from '../job/work-message';
import type { ModelCallResult } from '../ports/model-client';
import type { CallResult } from '../rate-control/rate-controller';

/** HTTP 429: the endpoint's rate limit. */
export const RATE_LIMITED_STATUS = 429;

/** What the rate gate learns from one call. */
export function callResultOf(call: ModelCallResult): CallResult {
  if (call.kind === 'completed') {
    const usage = call.completion.usage;
    const tokens = typeof usage === 'object' && usage !== null ? Reflect.get(usage, 'total_tokens') : null;
    return {
      kind: 'succeeded',
      latencyMs: call.latencyMs,
      tokens: typeof tokens === 'number' && tokens >= 0 ? tokens : null,
    };
  }
  const { failure } = call;
  if (failure.type === 'http_error' && failure.status === RATE_LIMITED_STATUS) {
    return { kind: 'rate_limited', retryAfterMs: failure.retryAfterMs };
  }
  return { kind: 'failed' };
}

/** Tokens a call may use, for a token limit: the prompt (about 4 characters a token) plus `max_tokens`. */
export function optionalTokens(body: ChatRequestBody): { tokens?: number } {
  if (body.max_tokens === undefined) return {};
  const promptChars = body.messages.reduce((sum, m) => sum + m.content.length, 0);
  return { tokens: Math.ceil(promptChars / 4) + body.max_tokens };
}

/**
 * Calls the endpoint received for a line, from its chunk's attempt count: every claimed attempt less
 * those claimed in deliveries that made no call (`LineRef.unusedClaims`, carried by hand-backs).
 */
export function callsMade(chunk: Pick<ChunkRecord, 'attempts'>, ref: LineRef): number {
  return Math.max(0, (chunk.attempts[String(ref.line)] ?? 0) - (ref.unusedClaims ?? 0));
}

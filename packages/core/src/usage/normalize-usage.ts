import type { LineUsage } from './usage';

type Fields = Readonly<Record<string, unknown>>;

function asObject(value: unknown): Fields | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : null;
}

/** The nested object under `key` (e.g. `completion_tokens_details`), or null. */
function child(object: Fields, key: string): Fields | null {
  return asObject(object[key]);
}

/** A token count as sent, or `null` when it is missing, not a number, fractional or negative. */
function count(object: Fields | null, key: string): number | null {
  const value = object?.[key];
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/**
 * Estimate the tokens of a text with DeepSeek's published rule of thumb
 * (api-docs.deepseek.com/quick_start/token_usage): about 0.3 token per English (ASCII) character and 0.6 per
 * Chinese (here: any non-ASCII) character. Counted per code point, in integers (×10) to stay exact,
 * rounded up. It is an estimate for the DeepSeek tokenizer only, never a substitute for a reported count.
 */
export function estimateTokens(text: string): number {
  let tenths = 0;
  for (const char of text) tenths += (char.codePointAt(0) ?? 0) < 0x80 ? 3 : 6;
  return Math.ceil(tenths / 10);
}

/**
 * Normalise the `usage` object of a completion into `LineUsage`. Returns `null` when there is no usage
 * object at all. Each count that is missing or not a non-negative integer is `null` (unknown), never 0.
 *
 * - `total_tokens` is not computed from prompt + completion when the server left it out: unknown stays
 *   unknown, and a reader can still add the two fields when both are known.
 * - `cached_prompt_tokens` is `prompt_tokens_details.cached_tokens` (OpenAI style), else DeepSeek's
 *   `prompt_cache_hit_tokens`.
 * - `estimated_reasoning_tokens` is set only when `reasoning_tokens` was not reported and there is
 *   reasoning text: `estimateTokens(reasoningText)`, capped at `completion_tokens` when that is known
 *   (the chain of thought is part of the completion).
 */
export function normalizeUsage(raw: unknown, reasoningText: string | null): LineUsage | null {
  const usage = asObject(raw);
  if (usage === null) return null;

  const completionTokens = count(usage, 'completion_tokens');
  const reasoningTokens = count(child(usage, 'completion_tokens_details'), 'reasoning_tokens');
  const cachedTokens =
    count(child(usage, 'prompt_tokens_details'), 'cached_tokens') ?? count(usage, 'prompt_cache_hit_tokens');

  let estimated: number | null = null;
  if (reasoningTokens === null && reasoningText !== null && reasoningText !== '') {
    const estimate = estimateTokens(reasoningText);
    estimated = completionTokens === null ? estimate : Math.min(estimate, completionTokens);
  }

  return {
    prompt_tokens: count(usage, 'prompt_tokens'),
    completion_tokens: completionTokens,
    total_tokens: count(usage, 'total_tokens'),
    reasoning_tokens: reasoningTokens,
    cached_prompt_tokens: cachedTokens,
    estimated_reasoning_tokens: estimated,
  };
}

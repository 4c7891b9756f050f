import type { PriceTable } from '@thinkbatch/core';
import { LabellingError } from './labelling-error';

/** Tokens of chat formatting around a message's text, added to every worst case. */
const MESSAGE_OVERHEAD_TOKENS = 16;

/**
 * The most tokens one call can cost: every token is at least one UTF-8 byte, so a prompt has at most
 * as many tokens as bytes, and the answer at most `max_tokens`.
 */
export function worstCaseCall(promptTexts: readonly string[], maxTokens: number): WorstCase {
  const encoder = new TextEncoder();
  const prompt = promptTexts.reduce(
    (sum, text) => sum + encoder.encode(text).length + MESSAGE_OVERHEAD_TOKENS,
    0,
  );
  return { promptTokens: prompt, completionTokens: maxTokens };
}

/** A call's (or a row's) most tokens, by side: prompt and completion are priced apart. */
export interface WorstCase {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** What a run may spend: tokens and/or estimated USD (at the model's prices). */
export interface SpendingLimit {
  readonly tokens: number | null;
  readonly usd: number | null;
  readonly price: PriceTable | null;
}

/** A task's cap as a limit; a USD cap without a price for the model is refused (it could not be kept). */
export function spendingLimit(
  cap: { readonly tokens?: number | undefined; readonly usd?: number | undefined } | undefined,
  price: PriceTable | null,
  model: string,
): SpendingLimit | null {
  if (cap === undefined) return null;
  if (cap.usd !== undefined && price === null)
    throw new LabellingError(
      `spendingCap.usd needs a price for model "${model}" (a --prices file, or the deployment's)`,
    );
  return { tokens: cap.tokens ?? null, usd: cap.usd ?? null, price };
}

/** The worst-case USD of `tokens` at `price` (uncached prompt tokens: the most a prompt costs). */
export function worstCaseUsd(worst: WorstCase, price: PriceTable): number {
  return (worst.promptTokens * price.input + worst.completionTokens * price.output) / 1_000_000;
}

/**
 * The share of the limit a worst case uses (the larger of its token and USD shares): admitting items
 * while their shares sum to at most 1 keeps both caps.
 */
export function shareOfLimit(worst: WorstCase, limit: SpendingLimit): number {
  const tokens = limit.tokens === null ? 0 : (worst.promptTokens + worst.completionTokens) / limit.tokens;
  const usd = limit.usd === null || limit.price === null ? 0 : worstCaseUsd(worst, limit.price) / limit.usd;
  return Math.max(tokens, usd);
}

/** Take items in order while their cost fits in what is left of `cap` (null: no cap); the rest are left. */
export function admitWithinCap<T>(
  items: readonly T[],
  cost: (item: T) => number,
  cap: number | null,
): { admitted: T[]; left: T[]; reserved: number } {
  const admitted: T[] = [];
  const left: T[] = [];
  let reserved = 0;
  for (const item of items) {
    const c = cost(item);
    if (cap === null || (left.length === 0 && reserved + c <= cap + 1e-9)) {
      admitted.push(item);
      reserved += c;
    } else left.push(item);
  }
  return { admitted, left, reserved };
}

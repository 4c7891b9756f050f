/** Tokens of chat formatting around a message's text, added to every worst case. */
const MESSAGE_OVERHEAD_TOKENS = 16;

/**
 * The most tokens one call can cost: every token is at least one UTF-8 byte, so a prompt has at most
 * as many tokens as bytes, and the answer at most `max_tokens`.
 */
export function worstCaseCallTokens(promptTexts: readonly string[], maxTokens: number): number {
  const encoder = new TextEncoder();
  return promptTexts.reduce(
    (sum, text) => sum + encoder.encode(text).length + MESSAGE_OVERHEAD_TOKENS,
    maxTokens,
  );
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
    if (cap === null || (left.length === 0 && reserved + c <= cap)) {
      admitted.push(item);
      reserved += c;
    } else left.push(item);
  }
  return { admitted, left, reserved };
}

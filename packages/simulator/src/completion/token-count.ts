/** Characters per simulated token: the usual rule of thumb for English text. */
export const CHARS_PER_TOKEN = 4;

/** Simulated token count of a text: ceil(chars / 4). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Shorter "secrets" are placeholders (tests, the simulator), not credentials: replacing every `k` in a
 * message would only make it unreadable. Real keys (NVIDIA's `nvapi-…`, OpenAI's `sk-…`) are far longer.
 */
export const MIN_SECRET_LENGTH = 8;

/**
 * Remove every occurrence of `secret` from a text meant for messages or logs (some gateways echo the API
 * key back in their 401 message).
 */
export function redactSecret(text: string, secret: string): string {
  return secret.length < MIN_SECRET_LENGTH ? text : text.replaceAll(secret, REDACTED);
}

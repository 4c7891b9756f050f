/**
 * Tokens a request is charged against `tokensPerMinute`, at admission and never refunded, as OpenAI
 * reserves them: its prompt tokens plus `max_tokens`. A request without `max_tokens` is charged the
 * completion tokens its answer will have: the simulated model knows them up front, where a provider
 * would reserve its default cap.
 */
export function admissionTokens(
  promptTokens: number,
  maxTokens: number | null,
  completionTokens: number,
): number {
  return promptTokens + (maxTokens ?? completionTokens);
}

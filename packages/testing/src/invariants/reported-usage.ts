/** The counts an endpoint reports itself, as the pipeline's `LineUsage` names them. */
export const REPORTED_FIELDS = [
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'reasoning_tokens',
  'cached_prompt_tokens',
] as const;
export type ReportedField = (typeof REPORTED_FIELDS)[number];
export type ReportedUsage = Readonly<Record<ReportedField, number | null>>;

type Fields = Readonly<Record<string, unknown>>;

const object = (value: unknown): Fields | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : null;

const count = (fields: Fields | null, key: string): number | null => {
  const value = fields?.[key];
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
};

/**
 * The counts a usage object as sent over the wire reports (OpenAI's shape, with DeepSeek's cache field),
 * each null when it was not sent. Written here from the wire format, not with the pipeline's own
 * `normalizeUsage`, so the checker does not check the pipeline with itself.
 */
export function reportedUsage(raw: unknown): ReportedUsage | null {
  const usage = object(raw);
  if (usage === null) return null;
  const details = object(usage['completion_tokens_details']);
  const promptDetails = object(usage['prompt_tokens_details']);
  return {
    prompt_tokens: count(usage, 'prompt_tokens'),
    completion_tokens: count(usage, 'completion_tokens'),
    total_tokens: count(usage, 'total_tokens'),
    reasoning_tokens: count(details, 'reasoning_tokens'),
    cached_prompt_tokens: count(promptDetails, 'cached_tokens') ?? count(usage, 'prompt_cache_hit_tokens'),
  };
}

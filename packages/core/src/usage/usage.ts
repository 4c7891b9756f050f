import { z } from 'zod';

const TokenCount = z.number().int().nonnegative().nullable();

/**
 * Token usage of one line, normalised from whatever the endpoint reported. `null` means the endpoint did
 * not report that count: unknown is never written as 0. `reasoning_tokens` is part of `completion_tokens`.
 */
export const LineUsage = z.object({
  prompt_tokens: TokenCount,
  completion_tokens: TokenCount,
  total_tokens: TokenCount,
  /** Reported by the endpoint (`completion_tokens_details.reasoning_tokens`), else null. */
  reasoning_tokens: TokenCount,
  /** Prompt tokens served from a cache (`prompt_tokens_details.cached_tokens` or `prompt_cache_hit_tokens`). */
  cached_prompt_tokens: TokenCount,
  /**
   * When the endpoint did not report reasoning tokens: an estimate from the reasoning text, clearly
   * marked as such. Null when reasoning tokens were reported or there was no reasoning text.
   */
  estimated_reasoning_tokens: TokenCount,
});
export type LineUsage = z.infer<typeof LineUsage>;

/** The keys of `LineUsage` that are summed per job. */
export const USAGE_FIELDS = [
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'reasoning_tokens',
  'cached_prompt_tokens',
  'estimated_reasoning_tokens',
] as const satisfies readonly (keyof LineUsage)[];
export type UsageField = (typeof USAGE_FIELDS)[number];

const Count = z.number().int().nonnegative();

/** One non-negative count per usage field. */
const FieldCounts = z.object({
  prompt_tokens: Count,
  completion_tokens: Count,
  total_tokens: Count,
  reasoning_tokens: Count,
  cached_prompt_tokens: Count,
  estimated_reasoning_tokens: Count,
});

/**
 * Token totals of a job: the exact sum of each field over the lines that reported it, and for each field
 * the number of lines that carried usage but left that field unknown (so a reader knows a total is partial).
 */
export const UsageTotals = FieldCounts.extend({
  /** Lines counted into these totals (lines that carried a usage object). */
  lines_with_usage: Count,
  /** Per field: lines that carried usage but did not report that field. */
  unknown: FieldCounts,
});
export type UsageTotals = z.infer<typeof UsageTotals>;

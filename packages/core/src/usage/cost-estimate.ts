import { z } from 'zod';
import { parse } from '../errors/parse';
import { ConfigurationError } from '../errors/thinkbatch-error';
import type { UsageTotals } from './usage';

const UsdPerMillion = z.number().nonnegative().refine(Number.isFinite, 'must be finite');

/** Prices in USD per 1M tokens. */
export const PriceTable = z.strictObject({
  /** Prompt tokens not served from a cache. */
  input: UsdPerMillion,
  /** Completion tokens, chain of thought included (it is part of `completion_tokens`). */
  output: UsdPerMillion,
  /** Cached prompt tokens; when absent they are priced as `input`. */
  cached_input: UsdPerMillion.optional(),
});
export type PriceTable = z.infer<typeof PriceTable>;

/** An estimate in USD, rounded to 6 decimals; `basis` says how complete the token counts behind it are. */
export interface CostEstimate {
  readonly currency: 'USD';
  readonly input: number;
  readonly output: number;
  readonly total: number;
  /** True when some lines' prompt or completion counts are unknown: the real cost is higher. */
  readonly partial: boolean;
  /** e.g. `complete: 12 lines` or `partial: 3 lines without usage, 1 line without completion_tokens`. */
  readonly basis: string;
}

/** Options of `estimateCost`. */
export interface EstimateCostOptions {
  /**
   * Lines that called the endpoint but carried no usage object at all (they are not in the totals).
   * @default 0
   */
  readonly linesWithoutUsage?: number;
}

const PER_MILLION = 1_000_000;

function round6(usd: number): number {
  return Math.round(usd * PER_MILLION) / PER_MILLION;
}

function lines(n: number): string {
  return `${n} line${n === 1 ? '' : 's'}`;
}

/**
 * Estimate what the counted tokens cost. Output covers all completion tokens, reasoning included. With
 * `cached_input`, cached prompt tokens are priced at it and the rest of the prompt at `input` (if cached
 * exceeds the known prompt tokens, uncached is taken as 0). Rounded to 6 decimals only at the end. Throws
 * `ConfigurationError` when the price table is invalid (negative, non-finite, unknown keys).
 */
export function estimateCost(
  totals: UsageTotals,
  prices: PriceTable,
  options: EstimateCostOptions = {},
): CostEstimate {
  const price = parse(PriceTable, prices, 'price table');
  const linesWithoutUsage = options.linesWithoutUsage ?? 0;
  if (!Number.isSafeInteger(linesWithoutUsage) || linesWithoutUsage < 0) {
    throw new ConfigurationError(
      `linesWithoutUsage must be a non-negative integer, got ${linesWithoutUsage}`,
    );
  }

  const cached = price.cached_input === undefined ? 0 : totals.cached_prompt_tokens;
  const uncached = Math.max(0, totals.prompt_tokens - cached);
  const inputUsd = (uncached * price.input + cached * (price.cached_input ?? 0)) / PER_MILLION;
  const outputUsd = (totals.completion_tokens * price.output) / PER_MILLION;

  const gaps: string[] = [];
  if (linesWithoutUsage > 0) gaps.push(`${lines(linesWithoutUsage)} without usage`);
  for (const field of ['prompt_tokens', 'completion_tokens'] as const) {
    if (totals.unknown[field] > 0) gaps.push(`${lines(totals.unknown[field])} without ${field}`);
  }
  let basis = gaps.length > 0 ? `partial: ${gaps.join(', ')}` : `complete: ${lines(totals.lines_with_usage)}`;
  const unknownCached = totals.unknown.cached_prompt_tokens;
  if (price.cached_input !== undefined && unknownCached > 0) {
    basis += `; ${lines(unknownCached)} without cached_prompt_tokens priced as uncached`;
  }

  return {
    currency: 'USD',
    input: round6(inputUsd),
    output: round6(outputUsd),
    total: round6(inputUsd + outputUsd),
    partial: gaps.length > 0,
    basis,
  };
}

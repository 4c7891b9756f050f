import { z } from 'zod';
import { parse } from '../errors/parse';
import { ConfigurationError } from '../errors/thinkbatch-error';
import { mergeUsageTotals } from './accounting';
import type { UsageTotals } from './usage';

const UsdPerMillion = z.number().nonnegative().refine(Number.isFinite, 'must be finite');

/** Prices of one model in USD per 1M tokens. */
export const PriceTable = z.strictObject({
  /** Prompt tokens not served from a cache. */
  input: UsdPerMillion,
  /** Completion tokens, chain of thought included (it is part of `completion_tokens`). */
  output: UsdPerMillion,
  /** Cached prompt tokens; when absent they are priced as `input`. */
  cached_input: UsdPerMillion.optional(),
});
export type PriceTable = z.infer<typeof PriceTable>;

/**
 * Prices per model, keyed by the model name result lines carry (the one the endpoint reported, e.g.
 * `deepseek-ai/deepseek-r1` on NVIDIA, `deepseek-reasoner` on DeepSeek's API).
 *
 * @example { "deepseek-ai/deepseek-r1": { "input": 0.55, "cached_input": 0.14, "output": 2.19 } }
 */
export const PriceList = z.record(z.string().min(1), PriceTable);
export type PriceList = z.infer<typeof PriceList>;

/** Read a price list from JSON text; throws `ConfigurationError` naming `source` when it is not one. */
export function parsePriceList(json: string, source: string): PriceList {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ConfigurationError(`${source} is not JSON: ${error instanceof Error ? error.message : error}`, {
      cause: error,
    });
  }
  return parse(PriceList, value, `price list in ${source}`);
}

/** An estimate in USD, rounded to 6 decimals; `basis` says how complete the token counts behind it are. */
export interface CostEstimate {
  readonly currency: 'USD';
  readonly input: number;
  readonly output: number;
  readonly total: number;
  /** True when some lines' prompt or completion counts (or prices) are unknown: the real cost is higher. */
  readonly partial: boolean;
  /** e.g. `complete: 12 lines` or `partial: 3 lines without usage, 1 line without completion_tokens`. */
  readonly basis: string;
}

/** Options of `estimateCost` and `estimateJobCost`. */
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

/** Token totals priced at one model's prices. */
interface PricedUsage {
  readonly totals: UsageTotals;
  readonly price: PriceTable;
}

/**
 * The estimate of priced usage, plus lines that could not be priced (their model has no price). With
 * `cached_input`, cached prompt tokens are priced at it and the rest of the prompt at `input` (if cached
 * exceeds the known prompt tokens, uncached is taken as 0). Rounded to 6 decimals only at the end.
 */
function estimate(
  priced: readonly PricedUsage[],
  unpriced: readonly { readonly model: string; readonly lines: number }[],
  options: EstimateCostOptions,
): CostEstimate {
  const linesWithoutUsage = options.linesWithoutUsage ?? 0;
  if (!Number.isSafeInteger(linesWithoutUsage) || linesWithoutUsage < 0) {
    throw new ConfigurationError(
      `linesWithoutUsage must be a non-negative integer, got ${linesWithoutUsage}`,
    );
  }
  let inputUsd = 0;
  let outputUsd = 0;
  let counted = priced[0]?.totals;
  let unknownCached = 0;
  for (const [index, { totals, price }] of priced.entries()) {
    const cached = price.cached_input === undefined ? 0 : totals.cached_prompt_tokens;
    const uncached = Math.max(0, totals.prompt_tokens - cached);
    inputUsd += (uncached * price.input + cached * (price.cached_input ?? 0)) / PER_MILLION;
    outputUsd += (totals.completion_tokens * price.output) / PER_MILLION;
    if (price.cached_input !== undefined) unknownCached += totals.unknown.cached_prompt_tokens;
    if (index > 0 && counted !== undefined) counted = mergeUsageTotals(counted, totals);
  }

  const gaps: string[] = [];
  if (linesWithoutUsage > 0) gaps.push(`${lines(linesWithoutUsage)} without usage`);
  for (const field of ['prompt_tokens', 'completion_tokens'] as const) {
    const unknown = counted?.unknown[field] ?? 0;
    if (unknown > 0) gaps.push(`${lines(unknown)} without ${field}`);
  }
  for (const { model, lines: n } of unpriced) gaps.push(`${lines(n)} of ${model} without a price`);
  let basis =
    gaps.length > 0 ? `partial: ${gaps.join(', ')}` : `complete: ${lines(counted?.lines_with_usage ?? 0)}`;
  if (unknownCached > 0) basis += `; ${lines(unknownCached)} without cached_prompt_tokens priced as uncached`;

  return {
    currency: 'USD',
    input: round6(inputUsd),
    output: round6(outputUsd),
    total: round6(inputUsd + outputUsd),
    partial: gaps.length > 0,
    basis,
  };
}

/**
 * Estimate what the counted tokens of one model cost. Output covers all completion tokens, reasoning
 * included; see `estimateJobCost` for cached prompt tokens. Throws `ConfigurationError` when the price
 * table is invalid (negative, non-finite, unknown keys).
 */
export function estimateCost(
  totals: UsageTotals,
  prices: PriceTable,
  options: EstimateCostOptions = {},
): CostEstimate {
  return estimate([{ totals, price: parse(PriceTable, prices, 'price table') }], [], options);
}

/**
 * Estimate what a job's tokens cost, each model's usage at that model's prices. Lines of a model without
 * a price are named in `basis` and make the estimate `partial` (the real cost is higher). With one model,
 * the same as `estimateCost` of its totals. Throws `ConfigurationError` when the price list is invalid.
 */
export function estimateJobCost(
  usageByModel: ReadonlyMap<string, UsageTotals>,
  prices: PriceList,
  options: EstimateCostOptions = {},
): CostEstimate {
  const list = parse(PriceList, prices, 'price list');
  const priced: PricedUsage[] = [];
  const unpriced: { model: string; lines: number }[] = [];
  for (const [model, totals] of usageByModel) {
    if (totals.lines_with_usage === 0) continue;
    const price = Object.hasOwn(list, model) ? list[model] : undefined;
    if (price === undefined) unpriced.push({ model, lines: totals.lines_with_usage });
    else priced.push({ totals, price });
  }
  return estimate(priced, unpriced, options);
}

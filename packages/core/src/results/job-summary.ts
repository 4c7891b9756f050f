import { z } from 'zod';
import { ChunkCounters, emptyChunkCounters } from '../job/chunk';
import { addChunkCounters, addLineCountsInPlace } from '../job/line-counters';
import type { RateGateSnapshot } from '../rate-control/rate-gate-snapshot';
import { addUsageInPlace, emptyUsageTotals, mergeUsageTotals } from '../usage/accounting';
import { type CostEstimate, estimateJobCost, type PriceList } from '../usage/cost-estimate';
import { UsageTotals } from '../usage/usage';
import { createLatencyHistogram, LatencyHistogramState, LatencyPercentiles } from './latency-histogram';
import type { ResultLine } from './result-line';

const Count = z.number().int().nonnegative();

/** Lines of a job by final status; `total` is their sum. */
export const SummaryCounts = z.object({
  total: Count,
  succeeded: Count,
  failed: Count,
  cancelled: Count,
  expired: Count,
});
export type SummaryCounts = z.infer<typeof SummaryCounts>;

/** A cost estimate as `estimateJobCost` makes it (see cost-estimate). */
export const SummaryCost = z.object({
  currency: z.literal('USD'),
  total: z.number().nonnegative(),
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  /** True when some token counts were unknown: the real cost is higher. */
  partial: z.boolean(),
  /** How complete the token counts behind the estimate are. */
  basis: z.string(),
});
export type SummaryCost = z.infer<typeof SummaryCost>;

export const SummaryTimings = z.object({
  started_at: z.iso.datetime().nullable(),
  finished_at: z.iso.datetime().nullable(),
  /** finished_at − started_at; null while either is unknown. */
  wall_ms: Count.nullable(),
  /** Per-line latency percentiles (see `LatencyPercentiles` for precision); null when no line had one. */
  latency_ms: LatencyPercentiles.nullable(),
});
export type SummaryTimings = z.infer<typeof SummaryTimings>;

const PerMinute = z.number().nonnegative();

/**
 * The endpoint's rate gate as the job ended (see `RateGateSnapshot`). The gate is shared by every job
 * that calls the endpoint with the same model and key, so its counts are the endpoint's since the gate
 * was created, not this job's alone.
 */
export const SummaryRateGate = z.object({
  /** Endpoint URL, model and a hash of the key (never the key). */
  key: z.string(),
  as_of: z.iso.datetime(),
  /** The configured limits; null: unknown, found from 429s and latency. */
  limits: z.object({
    requests_per_minute: PerMinute.nullable(),
    tokens_per_minute: PerMinute.nullable(),
    max_in_flight: Count.nullable(),
  }),
  /** What the gate hands out now (known limits less headroom, or learned). */
  allowance: z.object({
    requests_per_minute: PerMinute,
    tokens_per_minute: PerMinute.nullable(),
    in_flight: Count,
  }),
  /** Where the endpoint last refused (429), per limit; null: never. */
  refused_at: z.object({ requests_per_minute: PerMinute.nullable(), in_flight: PerMinute.nullable() }),
  /** Mean latency of successful calls, ms; null until a few were seen. */
  latency_ms: z.number().nonnegative().nullable(),
  /** Endpoint calls: start times granted, and what the endpoint did with the calls made. */
  calls: z.object({ granted: Count, succeeded: Count, rate_limited: Count, failed: Count }),
  /** Times a worker was told to wait for capacity, and the time its lines waited in all, ms. */
  waits: Count,
  waited_ms: z.number().nonnegative(),
});
export type SummaryRateGate = z.infer<typeof SummaryRateGate>;

/** The summary's view of a gate snapshot (figures rounded to 0.01). */
export function summarizeRateGate(snapshot: RateGateSnapshot): SummaryRateGate {
  const round = (n: number): number => Math.round(n * 100) / 100;
  const roundOrNull = (n: number | null): number | null => (n === null ? null : round(n));
  const { limits, allowance, refusedAt, counts } = snapshot;
  return {
    key: snapshot.key,
    as_of: new Date(snapshot.at).toISOString(),
    limits: {
      requests_per_minute: limits.requestsPerMinute,
      tokens_per_minute: limits.tokensPerMinute,
      max_in_flight: limits.maxInFlight,
    },
    allowance: {
      requests_per_minute: round(allowance.requestsPerMinute),
      tokens_per_minute: roundOrNull(allowance.tokensPerMinute),
      in_flight: allowance.inFlight,
    },
    refused_at: {
      requests_per_minute: roundOrNull(refusedAt.requestsPerMinute),
      in_flight: roundOrNull(refusedAt.inFlight),
    },
    latency_ms: roundOrNull(snapshot.latencyMs),
    calls: {
      granted: counts.granted,
      succeeded: counts.succeeded,
      rate_limited: counts.rateLimited,
      failed: counts.failed,
    },
    waits: counts.waits,
    waited_ms: Math.round(snapshot.waitedMs),
  };
}

/** `summary.json`: what a finished (or running) job did, in one small document. */
export const JobSummary = z.object({
  job_id: z.string(),
  status: z.string(),
  /** Why a `failed` job failed as a whole; its counts are then of the lines recorded before it failed. */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  counts: SummaryCounts,
  /** Exact token sums over the lines that carried usage (see `UsageTotals` for unknown counts). */
  usage: UsageTotals,
  /** Lines that called the endpoint but carry no usage: their tokens are in no total (they may be billed). */
  lines_with_unknown_usage: Count,
  /** Endpoint calls, all attempts of all lines. */
  attempts: Count,
  /** Attempts beyond each line's first. */
  retries: Count,
  timings: SummaryTimings,
  cost: SummaryCost.nullable(),
  /** Lines per model (as result lines name it); at most 20 names, the rest under `(other)`. */
  models: z.record(z.string(), Count),
  /** Failed lines by error code; sums to `counts.failed` (a failed line without error counts as `unknown`). */
  failed_by_code: z.record(z.string(), Count),
  /** The endpoint's rate gate for the job's model as the job ended; null when not read (a failed job). */
  rate_gate: SummaryRateGate.nullable(),
});
export type JobSummary = z.infer<typeof JobSummary>;

/** What the summary needs beyond the result lines. Times are epoch ms. */
export interface SummaryMeta {
  readonly jobId: string;
  readonly status: string;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** Prices per model for the cost estimate (`estimateJobCost`); none → `cost: null`. @default null */
  readonly prices?: PriceList | null;
  /** The job-level error of a failed job. @default null (no `error` field) */
  readonly error?: { readonly code: string; readonly message: string } | null;
  /** The rate gate of the job's model, as the job ended. @default null */
  readonly rateGate?: RateGateSnapshot | null;
}

/** What a summary builder counted, as JSON: a part of a job's lines, carried between invocations. */
export const SummaryState = z.object({
  counters: ChunkCounters,
  unknownUsageLines: Count,
  latency: LatencyHistogramState,
  models: z.array(z.tuple([z.string(), Count])),
  usageByModel: z.array(z.tuple([z.string(), UsageTotals])),
  failedByCode: z.array(z.tuple([z.string(), Count])),
});
export type SummaryState = z.infer<typeof SummaryState>;

/** Builds a `JobSummary` from result lines streamed through it, in any order. */
export interface SummaryBuilder {
  /** Count one result line (each line once). */
  add(line: ResultLine): void;
  /** What was counted so far, as JSON. */
  state(): SummaryState;
  /**
   * Count the lines another builder counted (its `state()`), as if they were added here; the first
   * `MAX_SUMMARY_MODELS` model names are kept in the order the states come.
   */
  merge(other: SummaryState): void;
  /** Lines so far by final status (e.g. to choose the job's final status before building). */
  counts(): SummaryCounts;
  /** The summary of the lines added so far. Can be called any number of times. */
  build(meta: SummaryMeta): JobSummary;
}

/** Distinct model names kept in `models`; a job normally has one or two. */
export const MAX_SUMMARY_MODELS = 20;
/** Key of `models` for lines whose model is beyond the first `MAX_SUMMARY_MODELS` names. */
export const OTHER_MODELS_KEY = '(other)';
/** Key under which the cost estimate counts usage of lines that name no model (none has a price). */
const NO_MODEL_KEY = '(no model)';

function increment(record: Map<string, number>, key: string): void {
  record.set(key, (record.get(key) ?? 0) + 1);
}

function isoOrNull(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

/** Copy the summary's fields only, so extra fields of the estimate never leak into `summary.json`. */
function copyCost(cost: CostEstimate): SummaryCost {
  const { currency, total, input, output, partial, basis } = cost;
  return { currency, total, input, output, partial, basis };
}

/**
 * Create an empty builder. Memory does not grow with the number of lines: counters, usage totals (also per
 * model, for the cost), a fixed-size latency histogram (percentiles within 1 %, `max` exact) and maps
 * bounded by the error codes and `MAX_SUMMARY_MODELS`.
 */
export function createSummaryBuilder(): SummaryBuilder {
  let counters = emptyChunkCounters();
  let unknownUsageLines = 0;
  const latency = createLatencyHistogram();
  const models = new Map<string, number>();
  const usageByModel = new Map<string, UsageTotals>();
  const failedByCode = new Map<string, number>();

  const counts = (): SummaryCounts => {
    const { succeeded, failed, cancelled, expired } = counters;
    return { total: succeeded + failed + cancelled + expired, succeeded, failed, cancelled, expired };
  };

  const modelKey = (model: string): string =>
    models.has(model) || models.size < MAX_SUMMARY_MODELS ? model : OTHER_MODELS_KEY;

  return {
    counts,
    state: () => ({
      counters: structuredClone(counters),
      unknownUsageLines,
      latency: latency.state(),
      models: [...models],
      usageByModel: [...usageByModel].map(([model, usage]) => [model, structuredClone(usage)]),
      failedByCode: [...failedByCode],
    }),
    merge(other) {
      counters = addChunkCounters(counters, other.counters);
      unknownUsageLines += other.unknownUsageLines;
      latency.merge(other.latency);
      const keys = new Map<string, string>();
      for (const [model, n] of other.models) {
        const key = model === OTHER_MODELS_KEY ? OTHER_MODELS_KEY : modelKey(model);
        keys.set(model, key);
        models.set(key, (models.get(key) ?? 0) + n);
      }
      for (const [model, usage] of other.usageByModel) {
        const key = keys.get(model) ?? model;
        usageByModel.set(key, mergeUsageTotals(usageByModel.get(key) ?? emptyUsageTotals(), usage));
      }
      for (const [code, n] of other.failedByCode) failedByCode.set(code, (failedByCode.get(code) ?? 0) + n);
    },
    add(line) {
      // The counting rule is `lineCounterDelta`'s, added in place (the builder owns its counters).
      addLineCountsInPlace(counters, line);
      if (line.usage === null && line.attempts > 0) unknownUsageLines += 1;
      if (line.latency_ms !== null) latency.record(line.latency_ms);
      let model = NO_MODEL_KEY;
      if (line.model !== null) {
        model = modelKey(line.model);
        increment(models, model);
      }
      if (line.usage !== null) {
        let totals = usageByModel.get(model);
        if (totals === undefined) {
          totals = emptyUsageTotals();
          usageByModel.set(model, totals);
        }
        addUsageInPlace(totals, line.usage);
      }
      if (line.status === 'failed') increment(failedByCode, line.error?.code ?? 'unknown');
    },
    build(meta) {
      const { startedAt, finishedAt } = meta;
      const wallMs = startedAt !== null && finishedAt !== null ? Math.max(0, finishedAt - startedAt) : null;
      return {
        job_id: meta.jobId,
        status: meta.status,
        ...(meta.error != null && { error: { code: meta.error.code, message: meta.error.message } }),
        counts: counts(),
        usage: { ...counters.usage, unknown: { ...counters.usage.unknown } },
        lines_with_unknown_usage: unknownUsageLines,
        attempts: counters.attempts,
        retries: counters.retries,
        timings: {
          started_at: isoOrNull(startedAt),
          finished_at: isoOrNull(finishedAt),
          wall_ms: wallMs,
          latency_ms: latency.percentiles(),
        },
        cost:
          meta.prices == null
            ? null
            : copyCost(estimateJobCost(usageByModel, meta.prices, { linesWithoutUsage: unknownUsageLines })),
        models: Object.fromEntries(models),
        failed_by_code: Object.fromEntries(failedByCode),
        rate_gate: meta.rateGate == null ? null : summarizeRateGate(meta.rateGate),
      };
    },
  };
}

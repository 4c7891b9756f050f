import { lineStatus, lineUsage, makeLineUsage as usage } from '@thinkbatch/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../usage/cost-estimate';
import { USAGE_FIELDS } from '../usage/usage';
import { createSummaryBuilder, JobSummary, MAX_SUMMARY_MODELS, OTHER_MODELS_KEY } from './job-summary';
import type { ResultLine } from './result-line';

let nextLine = 1;
function resultLine(overrides: Partial<ResultLine> = {}): ResultLine {
  const line = nextLine++;
  return {
    custom_id: `line-${line}`,
    line,
    status: 'succeeded',
    reasoning: 'r',
    answer: 'a',
    finish_reason: 'stop',
    usage: usage(),
    attempts: 1,
    latency_ms: 1000,
    model: 'deepseek-ai/deepseek-r1',
    request_id: null,
    error: null,
    ...overrides,
  };
}

const meta = {
  jobId: 'job-1',
  status: 'completed',
  startedAt: Date.UTC(2026, 0, 1),
  finishedAt: Date.UTC(2026, 0, 1, 0, 1),
};

describe('createSummaryBuilder', () => {
  it('summarises an empty job', () => {
    const summary = createSummaryBuilder().build({ ...meta, startedAt: null, finishedAt: null });
    expect(JobSummary.parse(summary)).toEqual(summary);
    expect(summary.counts).toEqual({ total: 0, succeeded: 0, failed: 0, cancelled: 0, expired: 0 });
    expect(summary.timings).toEqual({ started_at: null, finished_at: null, wall_ms: null, latency_ms: null });
    expect(summary.cost).toBeNull();
    expect(summary.usage.lines_with_usage).toBe(0);
    expect(summary.models).toEqual({});
    expect(summary.failed_by_code).toEqual({});
  });

  it('counts statuses, attempts, retries, usage, failures by code and models', () => {
    const builder = createSummaryBuilder();
    builder.add(resultLine({ attempts: 3, latency_ms: 2000 }));
    builder.add(resultLine({ usage: usage({ reasoning_tokens: null, cached_prompt_tokens: 4 }) }));
    builder.add(
      resultLine({
        status: 'failed',
        usage: null,
        attempts: 0,
        latency_ms: null,
        model: null,
        error: { code: 'invalid_request', message: 'line 3: …' },
      }),
    );
    builder.add(
      resultLine({
        status: 'failed',
        usage: null,
        attempts: 5,
        latency_ms: 9000,
        error: { code: 'attempts_exhausted', message: 'x', http_status: 503 },
      }),
    );
    builder.add(
      resultLine({ status: 'failed', usage: null, attempts: 1, error: null, model: 'other/model' }),
    );
    builder.add(resultLine({ status: 'expired', usage: null, attempts: 0, latency_ms: null }));
    builder.add(resultLine({ status: 'cancelled', usage: null, attempts: 0, latency_ms: null }));
    expect(builder.counts()).toEqual({ total: 7, succeeded: 2, failed: 3, cancelled: 1, expired: 1 });

    const summary = builder.build(meta);
    expect(JobSummary.parse(summary)).toEqual(summary);
    expect(summary).toMatchObject({
      job_id: 'job-1',
      status: 'completed',
      counts: { total: 7, succeeded: 2, failed: 3, cancelled: 1, expired: 1 },
      attempts: 10,
      retries: 2 + 4,
      lines_with_unknown_usage: 2,
      failed_by_code: { invalid_request: 1, attempts_exhausted: 1, unknown: 1 },
      models: { 'deepseek-ai/deepseek-r1': 5, 'other/model': 1 },
    });
    expect(summary.usage).toEqual({
      prompt_tokens: 20,
      completion_tokens: 200,
      total_tokens: 220,
      reasoning_tokens: 80,
      cached_prompt_tokens: 4,
      estimated_reasoning_tokens: 0,
      lines_with_usage: 2,
      unknown: {
        prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
        reasoning_tokens: 1,
        cached_prompt_tokens: 1,
        estimated_reasoning_tokens: 2,
      },
    });
    expect(summary.timings).toEqual({
      started_at: '2026-01-01T00:00:00.000Z',
      finished_at: '2026-01-01T00:01:00.000Z',
      wall_ms: 60_000,
      latency_ms: { p50: 1000, p90: 9000, p99: 9000, max: 9000 },
    });
  });

  it('carries no cost without prices, and the cost of each model at its prices with them', () => {
    const builder = createSummaryBuilder();
    builder.add(resultLine());
    builder.add(resultLine({ model: 'other/model', usage: usage({ prompt_tokens: 1_000_000 }) }));
    expect(builder.build(meta).cost).toBeNull();
    const prices = {
      'deepseek-ai/deepseek-r1': { input: 1, output: 2 },
      'other/model': { input: 3, output: 0 },
    };
    const summary = builder.build({ ...meta, prices });
    expect(summary.cost).toEqual({
      currency: 'USD',
      total: 3.00021, // 10 × 1 + 100 × 2 (R1), 1M × 3 (other), per 1M
      input: 3.00001,
      output: 0.0002,
      partial: false,
      basis: 'complete: 2 lines',
    });
    expect(Object.keys(summary.cost ?? {})).toEqual([
      'currency',
      'total',
      'input',
      'output',
      'partial',
      'basis',
    ]);
    expect(JobSummary.parse(summary)).toEqual(summary);
  });

  it('marks the cost partial when a model has no price or a line no usage', () => {
    const builder = createSummaryBuilder();
    builder.add(resultLine());
    builder.add(resultLine({ model: 'unpriced/model' }));
    builder.add(resultLine({ status: 'failed', usage: null, attempts: 2 }));
    const summary = builder.build({
      ...meta,
      prices: { 'deepseek-ai/deepseek-r1': { input: 1, output: 2 } },
    });
    expect(summary.cost).toMatchObject({
      total: 0.00021,
      partial: true,
      basis: 'partial: 1 line without usage, 1 line of unpriced/model without a price',
    });
  });

  it('prices a single model exactly as estimateCost prices its totals', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 100_000 }), { minLength: 1, maxLength: 20 }), (prompts) => {
        const builder = createSummaryBuilder();
        for (const prompt_tokens of prompts) builder.add(resultLine({ usage: usage({ prompt_tokens }) }));
        const price = { input: 0.55, cached_input: 0.14, output: 2.19 };
        const summary = builder.build({ ...meta, prices: { 'deepseek-ai/deepseek-r1': price } });
        const expected = estimateCost(summary.usage, price);
        expect(summary.cost).toEqual(expected);
      }),
    );
  });

  it('builds the same summary twice and later adds do not change an earlier one', () => {
    const builder = createSummaryBuilder();
    builder.add(resultLine());
    const first = builder.build(meta);
    const again = builder.build(meta);
    expect(again).toEqual(first);
    builder.add(resultLine({ status: 'failed', error: { code: 'internal_error', message: 'x' } }));
    expect(first.counts.total).toBe(1);
    expect(first.usage.prompt_tokens).toBe(10);
    expect(first.failed_by_code).toEqual({});
  });

  it(`keeps at most ${MAX_SUMMARY_MODELS} model names and counts the rest under ${OTHER_MODELS_KEY}`, () => {
    const builder = createSummaryBuilder();
    for (let i = 0; i < MAX_SUMMARY_MODELS + 5; i += 1) builder.add(resultLine({ model: `m${i}` }));
    builder.add(resultLine({ model: 'm0' }));
    const { models } = builder.build(meta);
    expect(Object.keys(models)).toHaveLength(MAX_SUMMARY_MODELS + 1);
    expect(models).toHaveProperty('m0', 2);
    expect(models[OTHER_MODELS_KEY]).toBe(5);
  });

  it('never reports a negative wall time', () => {
    const summary = createSummaryBuilder().build({ ...meta, finishedAt: meta.startedAt - 5 });
    expect(summary.timings.wall_ms).toBe(0);
  });

  it('token totals are the exact sums of the lines, whatever the order', () => {
    const line = fc.record({
      usage: fc.option(lineUsage(2_000_000), { nil: null }),
      status: lineStatus,
      attempts: fc.integer({ min: 0, max: 10 }),
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), (lines) => {
        const forward = createSummaryBuilder();
        const backward = createSummaryBuilder();
        for (const l of lines) forward.add(resultLine(l));
        for (const l of [...lines].reverse()) backward.add(resultLine(l));
        const summary = forward.build(meta);
        expect(backward.build(meta)).toEqual(summary);
        for (const field of USAGE_FIELDS) {
          const known = lines.flatMap((l) => (l.usage?.[field] != null ? [l.usage[field]] : []));
          expect(summary.usage[field]).toBe(known.reduce((a, b) => a + b, 0));
          expect(summary.usage.unknown[field]).toBe(
            lines.filter((l) => l.usage !== null && l.usage[field] === null).length,
          );
        }
        expect(summary.usage.lines_with_usage).toBe(lines.filter((l) => l.usage !== null).length);
        expect(summary.counts.total).toBe(lines.length);
        expect(summary.attempts).toBe(lines.reduce((a, l) => a + l.attempts, 0));
        expect(summary.retries).toBe(lines.reduce((a, l) => a + Math.max(0, l.attempts - 1), 0));
        const failedByCode = Object.values(summary.failed_by_code).reduce((a, b) => a + b, 0);
        expect(failedByCode).toBe(summary.counts.failed);
      }),
    );
  });
});

describe('the rate gate in the summary', () => {
  it('is null when none was read, and the gate snapshot in snake case, rounded, when one was', () => {
    expect(createSummaryBuilder().build(meta).rate_gate).toBeNull();
    const summary = createSummaryBuilder().build({
      ...meta,
      rateGate: {
        key: 'https://integrate.api.nvidia.com/v1|deepseek-ai/deepseek-r1|0123456789abcdef',
        at: Date.UTC(2026, 0, 1, 0, 1),
        allowance: { requestsPerMinute: 39.2, inFlight: 101, tokensPerMinute: null },
        limits: { requestsPerMinute: 40, tokensPerMinute: null, maxInFlight: null },
        refusedAt: { requestsPerMinute: null, inFlight: 12.345 },
        inFlight: { leased: 30, inUse: 12 },
        leases: 2,
        pausedUntil: null,
        latencyMs: 61_234.567,
        tokensPerCall: 12_000,
        acceptedPerMinute: 38.5,
        counts: { granted: 120, succeeded: 110, rateLimited: 2, failed: 3, waits: 40 },
        waitedMs: 81_000.4,
        lastRateLimitedAt: null,
      },
    });
    expect(JobSummary.parse(summary)).toEqual(summary);
    expect(summary.rate_gate).toEqual({
      key: 'https://integrate.api.nvidia.com/v1|deepseek-ai/deepseek-r1|0123456789abcdef',
      as_of: '2026-01-01T00:01:00.000Z',
      limits: { requests_per_minute: 40, tokens_per_minute: null, max_in_flight: null },
      allowance: { requests_per_minute: 39.2, tokens_per_minute: null, in_flight: 101 },
      refused_at: { requests_per_minute: null, in_flight: 12.35 },
      latency_ms: 61_234.57,
      calls: { granted: 120, succeeded: 110, rate_limited: 2, failed: 3 },
      waits: 40,
      waited_ms: 81_000,
    });
  });
});

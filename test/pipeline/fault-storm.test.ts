import { USAGE_FIELDS } from '@thinkbatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonl, startTestStack, sumPrompt, type TestStack } from './stack';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('a seeded fault storm on the emulators', () => {
  it('ends every line exactly once, with tokens that reconcile, through endpoint faults, 429s and worker crashes', async () => {
    let calls = 0;
    let crashes = 0;
    stack = await startTestStack({
      simulator: {
        seed: 42,
        requestsPerMinute: 30,
        rateWindowMs: 1_000, // at most 30 requests per second: the rest are 429s
        retryAfterFormat: 'none',
        faultRates: {
          http500: 0.05,
          http503: 0.05,
          connectionReset: 0.03,
          truncatedBody: 0.03,
          nonJsonBody: 0.02,
          missingUsage: 0.03,
        },
      },
      // Lambda's relations, scaled down: leases end with the (4 s) invocation, which the visibility
      // timeout outlasts, so a message never comes back while its first delivery still runs.
      runtime: {
        workerTimeoutMs: 4_000,
        visibilityTimeoutSeconds: 5,
        maxConcurrency: 4,
        config: { retry: { baseDelayMs: 50, maxDelayMs: 1_000 }, reserveMs: 500 },
      },
      wrapModel: (model) => ({
        complete: async (body, options) => {
          const result = await model.complete(body, options);
          calls += 1;
          if (calls % 15 === 5) {
            crashes += 1;
            throw new Error('worker crashed after the endpoint answered');
          }
          return result;
        },
      }),
    });
    const input = Array.from({ length: 60 }, (_, i) => ({ custom_id: `q${i}`, prompt: sumPrompt(i, 1000) }));
    const jobId = await stack.runtime.submit(jsonl(input), {
      options: { maxAttempts: 10, linesPerChunk: 7 },
    });
    const job = await stack.runtime.waitForJob(jobId, { timeoutMs: 100_000 });
    expect(job.status).toBe('completed');

    const results = await stack.results(jobId);
    expect(results.map((r) => r.custom_id)).toEqual(input.map((l) => l.custom_id));
    for (const [i, r] of results.entries()) {
      if (r.status === 'succeeded') expect(r.answer).toContain(`\\boxed{${i + 1000}}`);
      else expect(r.error?.message).toContain(`line ${i + 1}`);
    }
    const body = await stack.runtime.deps.output.get(`jobs/${jobId}/summary.json`);
    const summary = JSON.parse(new TextDecoder().decode(body ?? new Uint8Array()));
    for (const field of USAGE_FIELDS) {
      expect(summary.usage[field]).toBe(results.reduce((acc, r) => acc + (r.usage?.[field] ?? 0), 0));
    }
    expect(summary.counts.total).toBe(60);
    // The storm really happened, and attempts never exceeded the limit however often items came back.
    const stats = stack.simulator.stats();
    expect(Object.keys(stats.byFault).length).toBeGreaterThan(2);
    expect(stats.rateLimited.rpm).toBeGreaterThan(0);
    expect(crashes).toBeGreaterThan(0);
    expect(results.every((r) => r.attempts <= 10)).toBe(true);
    expect(results.filter((r) => r.status === 'succeeded').length).toBeGreaterThan(50);
  });
});

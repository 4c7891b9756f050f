import { USAGE_FIELDS } from '@thinkbatch/core';
import type { FaultName } from '@thinkbatch/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonl, startTestStack, sumPrompt, type TestStack } from './stack';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const LINES = 60;
const MAX_ATTEMPTS = 10;
const prompt = (i: number): string => sumPrompt(i, 1000);
/** Matches line i's prompt only (`What is 3 + 1000?` is not part of `What is 33 + 1000?`). */
const marker = (i: number): string => `What is ${i} + 1000?`;

/**
 * Faults scripted per line: they hit these lines however fast the machine is. The seeded random faults
 * and the rate limit come on top; how often those strike depends on timing, so nothing below counts them.
 */
const SCRIPTED: readonly { readonly line: number; readonly fault: FaultName; readonly times: number }[] = [
  { line: 3, fault: 'http429', times: 3 },
  { line: 17, fault: 'http503', times: 2 },
  { line: 29, fault: 'connectionReset', times: 1 },
  { line: 41, fault: 'truncatedBody', times: 1 },
];
/** Lines whose worker crashes once, after the endpoint answered: one per chunk of 7, so no work item dies. */
const CRASHING = [5, 20, 40, 55];

describe('a seeded fault storm on the emulators', () => {
  it('ends every line exactly once, with tokens that reconcile, through endpoint faults, 429s and worker crashes', async () => {
    const input = Array.from({ length: LINES }, (_, i) => ({ custom_id: `q${i}`, prompt: prompt(i) }));
    const crashed = new Set<number>();
    /** Calls per line that the endpoint refused with 429: they use none of the retry budget. */
    const refused = new Map<number, number>();
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
        promptFaults: SCRIPTED.map(({ line, fault, times }) => ({ match: marker(line), fault, times })),
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
          const lineOf = (i: number): boolean => body.messages.some((m) => m.content.includes(marker(i)));
          if (
            result.kind === 'failed' &&
            result.failure.type === 'http_error' &&
            result.failure.status === 429
          ) {
            const i = input.findIndex((_, index) => lineOf(index));
            refused.set(i, (refused.get(i) ?? 0) + 1);
          }
          const line = CRASHING.find(lineOf);
          if (line !== undefined && !crashed.has(line)) {
            crashed.add(line);
            throw new Error('worker crashed after the endpoint answered');
          }
          return result;
        },
      }),
    });
    const jobId = await stack.runtime.submit(jsonl(input), {
      options: { maxAttempts: MAX_ATTEMPTS, linesPerChunk: 7 },
    });
    const job = await stack.runtime.waitForJob(jobId, { timeoutMs: 100_000 });
    expect(job.status).toBe('completed');

    // One result per line, in input order, each right or failed with a reason naming its line.
    const results = await stack.results(jobId);
    expect(results.map((r) => r.custom_id)).toEqual(input.map((l) => l.custom_id));
    for (const [i, r] of results.entries()) {
      if (r.status === 'succeeded') expect(r.answer).toContain(`\\boxed{${i + 1000}}`);
      else expect(r.error?.message).toContain(`line ${i + 1}`);
      // `attempts` counts every call; 429s come on top of the budget, which bounds the other calls.
      const rateLimited = refused.get(i) ?? 0;
      expect(r.attempts, `line ${i + 1}`).toBeGreaterThan(rateLimited);
      expect(r.attempts - rateLimited, `line ${i + 1}: calls not refused with 429`).toBeLessThanOrEqual(
        MAX_ATTEMPTS,
      );
    }

    // The summary agrees with the lines: counts and every token total.
    const body = await stack.runtime.deps.output.get(`jobs/${jobId}/summary.json`);
    const summary = JSON.parse(new TextDecoder().decode(body ?? new Uint8Array()));
    for (const field of USAGE_FIELDS) {
      expect(summary.usage[field]).toBe(results.reduce((acc, r) => acc + (r.usage?.[field] ?? 0), 0));
    }
    expect(summary.counts.total).toBe(LINES);
    expect(summary.counts.succeeded).toBe(results.filter((r) => r.status === 'succeeded').length);
    expect(summary.counts.succeeded + summary.counts.failed).toBe(LINES);

    // The scripted storm happened: each fault struck its line as often as scripted (its line needed
    // that many calls before it could succeed, or failed after all its attempts), and every crash came.
    const stats = stack.simulator.stats();
    for (const { line, fault, times } of SCRIPTED) {
      expect(stats.byFault[fault], fault).toBeGreaterThanOrEqual(times);
      expect(stack.callsFor(prompt(line)), `calls for line ${line + 1}`).toBeGreaterThanOrEqual(times);
      const result = results[line];
      if (result?.status === 'succeeded') expect(result.attempts).toBeGreaterThan(times);
    }
    expect([...crashed].sort((a, b) => a - b)).toEqual(CRASHING);
  });
});

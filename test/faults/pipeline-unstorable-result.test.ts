import { createSdkFaultPlan, injectSdkFaults } from '@thinkbatch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack } from './pipeline-fault-stack';
import { expectCaseInvariants } from './pipeline-invariants';

/** Logged by the worker when a work item fails (and so comes back, calling the endpoint again). */
const WORK_ITEM_FAILED = 'work item failed; it will be redelivered';

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({
    simulator: { seed: 64, latency: { kind: 'fixed', ms: 30 } },
    runtime: { workerTimeoutMs: 3_000, visibilityTimeoutSeconds: 4 },
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe('fault: the object store refuses a line result for good', () => {
  it('seed 64: S3 answers 400 EntityTooLarge to every result object holding one line: that line fails result_not_stored after one call; the others succeed', async () => {
    const { lines, body } = stack.lines(64, 6);
    const poison = lines[2];
    if (poison === undefined) throw new Error('no poison line');
    // Every PutObject of a result object that holds the poison line's answer is refused, as S3 would
    // refuse it again on every redelivery; its tiny failed result (no answer) is accepted.
    const plan = createSdkFaultPlan({
      seed: 64,
      rules: [
        {
          service: 's3',
          operations: ['PutObject'],
          when: (input) =>
            String(input['Key']).includes('/lines/') &&
            String(input['Body']).includes(`"custom_id":"${poison.custom_id}"`) &&
            String(input['Body']).includes('"status":"succeeded"'),
          fault: { kind: 'refused', status: 400, code: 'EntityTooLarge' },
        },
      ],
    });
    const remove = injectSdkFaults(stack.runtime.clients, plan);
    try {
      const jobId = await stack.runtime.submit(body, { options: { linesPerChunk: 6 } });
      const job = await stack.finish(jobId, 30_000);
      plan.disarm();
      expect(job.status).toBe('completed');
      const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
      expect(plan.injected.length).toBeGreaterThanOrEqual(1);
      const byId = new Map(outcome.results.map((r) => [r.custom_id, r]));
      expect(byId.get(poison.custom_id)).toMatchObject({
        status: 'failed',
        answer: null,
        usage: null,
        attempts: 1,
        error: { code: 'result_not_stored' },
      });
      expect(byId.get(poison.custom_id)?.error?.message).toMatch(/EntityTooLarge/);
      for (const line of lines)
        if (line !== poison) expect(byId.get(line.custom_id)?.status, line.custom_id).toBe('succeeded');
      // One call for every line, the refused one included: nothing was paid again.
      expect(outcome.calls).toEqual(lines.map(() => 1));
      expect(outcome.discardedAnswers).toBe(1); // the refused line's answer, paid once and not kept
      expect(stack.log.entries.filter((e) => e.message === WORK_ITEM_FAILED)).toEqual([]);
    } finally {
      remove();
    }
  });
});

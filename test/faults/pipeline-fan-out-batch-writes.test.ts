import { createSdkFaultPlan, injectSdkFaults } from '@thinkbatch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack } from './pipeline-fault-stack';
import { expectCaseInvariants } from './pipeline-invariants';

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({ simulator: { seed: 31 } });
});
afterAll(async () => {
  await stack?.stop();
});

/** A BatchWriteItem of chunks of this job (chunk items carry their job id in the key). */
const writesOf =
  (jobId: string) =>
  (input: Readonly<Record<string, unknown>>): boolean =>
    JSON.stringify(input['RequestItems'] ?? {}).includes(jobId);

/** Fan-out creates new chunks with BatchWriteItem under its lease; DynamoDB may leave some unprocessed. */
describe('fault: BatchWriteItem of new chunks leaves items unprocessed', () => {
  it('re-sends the unprocessed chunks and runs every line once', async () => {
    const jobId = 'job_unprocessed_chunks';
    const plan = createSdkFaultPlan({
      seed: 32,
      rules: [
        {
          service: 'dynamodb',
          operations: ['BatchWriteItem'],
          when: writesOf(jobId),
          times: 3,
          fault: { kind: 'partial_batch', entries: 5 },
        },
      ],
    });
    const remove = injectSdkFaults(stack.runtime.clients, plan);
    try {
      const { lines, body } = stack.lines(700, 60);
      await stack.runtime.submit(body, { jobId, options: { linesPerChunk: 1 } });
      expect((await stack.finish(jobId)).status).toBe('completed');
      expect(plan.injected).toHaveLength(3);
      const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
      expect(outcome.calls).toEqual(lines.map(() => 1));
    } finally {
      remove();
    }
  });

  it('fails the fan-out when items stay unprocessed, and its retry finds the chunks it reserved', async () => {
    // One group of 20 chunks, its first 5 refused in every round (1 + 8 re-sends): the run throws, and
    // Lambda's retry writes the reserved chunks one by one, with a condition each.
    const jobId = 'job_unprocessed_every_round';
    const plan = createSdkFaultPlan({
      seed: 33,
      rules: [
        {
          service: 'dynamodb',
          operations: ['BatchWriteItem'],
          when: writesOf(jobId),
          times: 9,
          fault: { kind: 'partial_batch', entries: 5 },
        },
      ],
    });
    const remove = injectSdkFaults(stack.runtime.clients, plan);
    try {
      const { lines, body } = stack.lines(710, 20);
      await stack.runtime.submit(body, { jobId, options: { linesPerChunk: 1 } });
      expect((await stack.finish(jobId)).status).toBe('completed');
      expect(plan.injected.length).toBeGreaterThanOrEqual(9);
      const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
      expect(outcome.calls).toEqual(lines.map(() => 1));
      const resumed = stack.log.entries.filter(
        (e) => e.message === 'resuming an unfinished fan-out' && e.fields?.['jobId'] === jobId,
      );
      expect(resumed).toHaveLength(1);
    } finally {
      remove();
    }
  });
});

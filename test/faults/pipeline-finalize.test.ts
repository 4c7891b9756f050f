import type { JobFinishedEvent } from '@thinkbatch/core';
import { createSdkFaultPlan, injectSdkFaults } from '@thinkbatch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack } from './pipeline-fault-stack';
import { expectCaseInvariants } from './pipeline-invariants';

const WORKER_TIMEOUT_MS = 2_000;
let stack: FaultStack;
const finished: JobFinishedEvent[] = [];
/** Jobs whose every finalize request SQS delivers three times. */
const tripled = new Set<string>();

beforeAll(async () => {
  stack = await startFaultStack({
    // Every call takes 300 ms: lines started together finish together.
    simulator: { seed: 51, latency: { kind: 'fixed', ms: 300 } },
    runtime: {
      workerTimeoutMs: WORKER_TIMEOUT_MS,
      visibilityTimeoutSeconds: 3,
      maxConcurrency: 8,
      events: {
        jobFinished: async (event) => {
          finished.push(event);
        },
      },
    },
    wrapQueue: (queue) => ({
      send: async (messages, options) => {
        const copies = messages.flatMap((m) =>
          m.type === 'finalize_job' && tripled.has(m.jobId) ? [m, m, m] : [m],
        );
        await queue.send(copies, options);
      },
    }),
  });
});
afterAll(async () => {
  await stack?.stop();
});

const logged = (message: string, jobId: string): number =>
  stack.log.entries.filter((e) => e.message === message && e.fields?.['jobId'] === jobId).length;

describe('fault: the last items finish together; a finalizer dies', () => {
  it('finalizes once when the last chunks finish at the same moment and every finalize request comes three times', async () => {
    const jobId = 'job_last_together';
    tripled.add(jobId);
    const { lines, body } = stack.lines(900, 8);
    await stack.runtime.submit(body, { jobId, options: { linesPerChunk: 1 } });
    // The sweeper asks again as well, while the requests race.
    const sweeps = Promise.all([stack.runtime.sweep(), stack.runtime.sweep()]);
    expect((await stack.finish(jobId)).status).toBe('completed');
    await sweeps;
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the duplicate requests arrive
    await expectCaseInvariants(stack, jobId, { lines, body });
    expect(
      stack.sent.filter((m) => m.type === 'finalize_job' && m.jobId === jobId).length,
    ).toBeGreaterThanOrEqual(3);
    expect(logged('finalizing job', jobId)).toBe(1);
    expect(logged('job finished', jobId)).toBe(1);
    expect(finished.filter((e) => e.jobId === jobId)).toHaveLength(1);
  });

  it('hands the job to a second finalizer when the first is killed while writing the outputs, and finishes once', async () => {
    const jobId = 'job_finalizer_killed';
    const plan = createSdkFaultPlan({
      seed: 52,
      rules: [
        {
          service: 's3',
          operations: ['PutObject'],
          when: (input) => String(input['Key'] ?? '').endsWith(`${jobId}/summary.json`),
          times: 1,
          fault: { kind: 'slow_response', ms: WORKER_TIMEOUT_MS + 500 },
        },
      ],
    });
    const remove = injectSdkFaults(stack.runtime.clients, plan);
    try {
      const { lines, body } = stack.lines(910, 6);
      await stack.runtime.submit(body, { jobId });
      expect((await stack.finish(jobId)).status).toBe('completed');
      expect(plan.injected).toHaveLength(1);
      await expectCaseInvariants(stack, jobId, { lines, body });
      // Granted twice (the dead one's lease ran out), finished once.
      expect(logged('finalizing job', jobId)).toBe(2);
      expect(logged('job finished', jobId)).toBe(1);
      expect(finished.filter((e) => e.jobId === jobId)).toHaveLength(1);
    } finally {
      remove();
    }
  });
});

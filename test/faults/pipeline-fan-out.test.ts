import type { RunChunkMessage, WorkMessage } from '@thinkbatch/core';
import { createSdkFaultPlan, injectSdkFaults } from '@thinkbatch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack } from './pipeline-fault-stack';
import { expectCaseInvariants } from './pipeline-invariants';

/** The job whose fan-out dies after the k-th work item of each run (`killAfter[run]`). */
const KILLED_JOB = 'job_fan_out_killed';
const killAfter = [3, 8];
let run = 0;
let sentThisRun = 0;

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({
    simulator: { seed: 21 },
    wrapQueue: (queue) => ({
      send: async (messages, options) => {
        const workItems = messages.filter((m) => m.type === 'run_chunk' && m.handoffs === 0);
        const limit = killAfter[run];
        if (workItems.length === 0 || messages[0]?.jobId !== KILLED_JOB || limit === undefined)
          return queue.send(messages, options);
        const room = limit - sentThisRun;
        if (room >= messages.length) {
          sentThisRun += messages.length;
          return queue.send(messages, options);
        }
        await queue.send(messages.slice(0, room), options);
        run += 1;
        sentThisRun = 0;
        throw new Error(`fan-out killed after ${limit} sends`);
      },
    }),
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** Fan-out's sends of each chunk's work item, for one job. */
const fanOutSends = (sent: readonly WorkMessage[], jobId: string): Map<number, number> => {
  const byChunk = new Map<number, number>();
  for (const m of sent)
    if (m.type === 'run_chunk' && m.handoffs === 0 && m.jobId === jobId)
      byChunk.set(m.chunk, (byChunk.get(m.chunk) ?? 0) + 1);
  return byChunk;
};
/** A SendMessageBatch carrying messages of this job (bodies name their job). */
const sendsOf =
  (jobId: string) =>
  (input: Readonly<Record<string, unknown>>): boolean =>
    JSON.stringify(input['Entries'] ?? []).includes(jobId);

/** Fan-out dies mid-way and is run again (Lambda's async retries); the work queue answers partially. */
describe('fault: fan-out interrupted, SendMessageBatch partial failures', () => {
  it('runs every line once when fan-out dies after 3 of 10 sends, then after 8, and its third run finishes', async () => {
    // The fan-out's sends pass until the k-th work item of its run, then the invocation dies mid-batch.
    const { lines, body } = stack.lines(400, 30);
    const jobId = await stack.runtime.submit(body, { jobId: KILLED_JOB, options: { linesPerChunk: 3 } });
    expect((await stack.finish(jobId)).status).toBe('completed');
    expect(run).toBe(2);

    const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
    // Items sent but not yet marked enqueued when it died went out again; their lines were not paid twice.
    const sends = fanOutSends(stack.sent, jobId);
    expect([...sends.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect([...sends.values()].some((n) => n > 1)).toBe(true);
    expect(outcome.calls).toEqual(lines.map(() => 1));
    // Lambda's two async retries each resumed the same job's fan-out.
    const resumed = stack.log.entries.filter(
      (e) => e.message === 'resuming an unfinished fan-out' && e.fields?.['jobId'] === jobId,
    );
    expect(resumed).toHaveLength(2);
  });

  it('sends each work item once when SendMessageBatch answers 200 listing some entries as Failed', async () => {
    const jobId = 'job_partial_batches';
    const plan = createSdkFaultPlan({
      seed: 22,
      rules: [
        {
          service: 'sqs',
          operations: ['SendMessageBatch'],
          when: sendsOf(jobId),
          times: 3,
          fault: { kind: 'partial_batch', entries: 3 },
        },
      ],
    });
    const remove = injectSdkFaults(stack.runtime.clients, plan);
    try {
      const { lines, body } = stack.lines(500, 24);
      await stack.runtime.submit(body, { jobId, options: { linesPerChunk: 3 } });
      expect((await stack.finish(jobId)).status).toBe('completed');
      expect(plan.injected).toHaveLength(3);
      const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
      // The adapter re-sent only the failed entries: each of the 8 items went out once, nothing twice.
      expect([...fanOutSends(stack.sent, jobId).values()]).toEqual(Array.from({ length: 8 }, () => 1));
      expect(outcome.calls).toEqual(lines.map(() => 1));
    } finally {
      remove();
    }
  });

  it('pays each line once when a SendMessageBatch was enqueued but its answer lost, so the SDK sent it again', async () => {
    const jobId = 'job_batch_answer_lost';
    const plan = createSdkFaultPlan({
      seed: 24,
      rules: [
        {
          service: 'sqs',
          operations: ['SendMessageBatch'],
          when: sendsOf(jobId),
          times: 1,
          fault: { kind: 'lost_response' },
        },
      ],
    });
    const remove = injectSdkFaults(stack.runtime.clients, plan);
    try {
      const { lines, body } = stack.lines(650, 12);
      await stack.runtime.submit(body, { jobId, options: { linesPerChunk: 3 } });
      expect((await stack.finish(jobId)).status).toBe('completed');
      expect(plan.injected).toHaveLength(1);
      const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
      // All four work items went out twice (the SDK's retry of the whole batch); each line was paid once.
      expect(outcome.calls).toEqual(lines.map(() => 1));
    } finally {
      remove();
    }
  });

  it('re-runs fan-out when an entry stays Failed through every round of the adapter, and runs each line once', async () => {
    // The first entry of each of the adapter's 5 rounds fails: the send throws, the fan-out is retried.
    const jobId = 'job_batch_failed_every_round';
    const plan = createSdkFaultPlan({
      seed: 23,
      rules: [
        {
          service: 'sqs',
          operations: ['SendMessageBatch'],
          when: sendsOf(jobId),
          times: 5,
          fault: { kind: 'partial_batch', entries: 1 },
        },
      ],
    });
    const remove = injectSdkFaults(stack.runtime.clients, plan);
    try {
      const { lines, body } = stack.lines(600, 12);
      await stack.runtime.submit(body, { jobId, options: { linesPerChunk: 3 } });
      expect((await stack.finish(jobId)).status).toBe('completed');
      expect(plan.injected).toHaveLength(5);
      expect(
        stack.log.entries.some((e) => /could not be sent after 5 attempts/.test(String(e.fields?.['error']))),
      ).toBe(true);
      const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
      expect(outcome.calls).toEqual(lines.map(() => 1));
      const items = stack.sent.filter(
        (m): m is RunChunkMessage => m.type === 'run_chunk' && m.jobId === jobId,
      );
      expect(new Set(items.map((m) => m.chunk))).toEqual(new Set([0, 1, 2, 3]));
    } finally {
      remove();
    }
  });
});

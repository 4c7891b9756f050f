import type { RunChunkMessage, WorkMessage } from '@thinkbatch/core';
import { createSdkFaultPlan, injectSdkFaults } from '@thinkbatch/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack } from './pipeline-fault-stack';
import { expectCaseInvariants } from './pipeline-invariants';

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const fanOutSends = (sent: readonly WorkMessage[]): Map<number, number> => {
  const byChunk = new Map<number, number>();
  for (const m of sent)
    if (m.type === 'run_chunk' && m.handoffs === 0) byChunk.set(m.chunk, (byChunk.get(m.chunk) ?? 0) + 1);
  return byChunk;
};

/** Fan-out dies mid-way and is run again (Lambda's async retries); the work queue answers partially. */
describe('fault: fan-out interrupted, SendMessageBatch partial failures', () => {
  it('runs every line once when fan-out dies after 3 of 15 sends, then after 12, and its third run finishes', async () => {
    // The fan-out's sends pass until the k-th work item of its run, then the invocation dies mid-batch.
    const killAfter = [3, 12];
    let run = 0;
    let sentThisRun = 0;
    stack = await startFaultStack({
      simulator: { seed: 21 },
      wrapQueue: (queue) => ({
        send: async (messages, options) => {
          const workItems = messages.filter((m) => m.type === 'run_chunk' && m.handoffs === 0);
          const limit = killAfter[run];
          if (workItems.length === 0 || limit === undefined) return queue.send(messages, options);
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
    const { lines, body } = stack.lines(400, 45);
    const jobId = await stack.runtime.submit(body, { options: { linesPerChunk: 3 } });
    expect((await stack.finish(jobId)).status).toBe('completed');
    expect(run).toBe(2);

    const outcome = await expectCaseInvariants(stack, jobId, lines);
    // Items sent but not yet marked enqueued when it died went out again; their lines were not paid twice.
    const sends = fanOutSends(stack.sent);
    expect([...sends.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect([...sends.values()].some((n) => n > 1)).toBe(true);
    expect(outcome.calls).toEqual(lines.map(() => 1));
    // Lambda's two async retries each resumed the same job's fan-out.
    expect(stack.log.entries.filter((e) => e.message === 'resuming an unfinished fan-out')).toHaveLength(2);
  });

  it('sends each work item once when SendMessageBatch answers 200 listing some entries as Failed', async () => {
    stack = await startFaultStack({ simulator: { seed: 22 } });
    const plan = createSdkFaultPlan({
      seed: 22,
      rules: [
        {
          service: 'sqs',
          operations: ['SendMessageBatch'],
          times: 3,
          fault: { kind: 'partial_batch', entries: 4 },
        },
      ],
    });
    const remove = injectSdkFaults(stack.runtime.clients, plan);
    try {
      const { lines, body } = stack.lines(500, 36);
      const jobId = await stack.runtime.submit(body, { options: { linesPerChunk: 3 } });
      expect((await stack.finish(jobId)).status).toBe('completed');
      expect(plan.injected).toHaveLength(3);
      const outcome = await expectCaseInvariants(stack, jobId, lines);
      // The adapter re-sent only the failed entries: each of the 12 items went out once, nothing twice.
      expect([...fanOutSends(stack.sent).values()]).toEqual(Array.from({ length: 12 }, () => 1));
      expect(outcome.calls).toEqual(lines.map(() => 1));
    } finally {
      remove();
    }
  });

  it('re-runs fan-out when an entry stays Failed through every round of the adapter, and runs each line once', async () => {
    stack = await startFaultStack({ simulator: { seed: 23 } });
    // The first entry of each of the adapter's 5 rounds fails: the send throws, the fan-out is retried.
    const plan = createSdkFaultPlan({
      seed: 23,
      rules: [
        {
          service: 'sqs',
          operations: ['SendMessageBatch'],
          times: 5,
          fault: { kind: 'partial_batch', entries: 1 },
        },
      ],
    });
    const remove = injectSdkFaults(stack.runtime.clients, plan);
    try {
      const { lines, body } = stack.lines(600, 12);
      const jobId = await stack.runtime.submit(body, { options: { linesPerChunk: 3 } });
      expect((await stack.finish(jobId)).status).toBe('completed');
      expect(plan.injected).toHaveLength(5);
      expect(
        stack.log.entries.some((e) => /could not be sent after 5 attempts/.test(String(e.fields?.['error']))),
      ).toBe(true);
      const outcome = await expectCaseInvariants(stack, jobId, lines);
      expect(outcome.calls).toEqual(lines.map(() => 1));
      const items = stack.sent.filter((m): m is RunChunkMessage => m.type === 'run_chunk');
      expect(new Set(items.map((m) => m.chunk))).toEqual(new Set([0, 1, 2, 3]));
    } finally {
      remove();
    }
  });
});

import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { encodeWorkMessageBody, type RunChunkMessage, type WorkMessage } from '@thinkbatch/core';
import { makeSqsRecord } from '@thinkbatch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack } from './pipeline-fault-stack';
import { expectCaseInvariants } from './pipeline-invariants';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isWorkItem = (m: WorkMessage): m is RunChunkMessage => m.type === 'run_chunk' && m.handoffs === 0;

let stack: FaultStack;
/** Jobs whose fan-out work items a second worker also runs, at the same moment. */
const twinJobs = new Set<string>();
const twins: Promise<unknown>[] = [];
/** Jobs whose work item of this chunk never reaches the workers (all its deliveries failed). */
const lostItems = new Map<string, number>();
const captured: RunChunkMessage[] = [];

beforeAll(async () => {
  let duplicate = 0;
  stack = await startFaultStack({
    // Every call takes 400 ms, so the twin deliveries overlap; line 1 of case 830 takes 2 s.
    simulator: {
      seed: 41,
      latency: { kind: 'fixed', ms: 400 },
      promptFaults: [{ match: 'What is 1 + 830?', fault: { kind: 'slowHeaders', delayMs: 2_000 }, times: 1 }],
    },
    wrapQueue: (queue) => ({
      send: async (messages, options) => {
        captured.push(...messages.filter(isWorkItem));
        const kept = messages.filter((m) => !(isWorkItem(m) && lostItems.get(m.jobId) === m.chunk));
        await queue.send(kept, options);
        for (const m of kept.filter((k) => isWorkItem(k) && twinJobs.has(k.jobId))) {
          // The same work item at a second worker invocation, while the event source delivers the first.
          duplicate += 1;
          const record = makeSqsRecord({ messageId: `twin-${duplicate}`, body: encodeWorkMessageBody(m) });
          twins.push(
            stack.runtime.handlers.worker({ Records: [record] }, { getRemainingTimeInMillis: () => 6_000 }),
          );
        }
      },
    }),
  });
});
afterAll(async () => {
  await Promise.allSettled(twins);
  await stack?.stop();
});

/** Put a work item on a queue as SQS would (a DLQ move, a redrive): same body, a new messageId. */
async function sendBody(queueUrl: string, message: WorkMessage): Promise<void> {
  await stack.runtime.clients.sqs.send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: encodeWorkMessageBody(message) }),
  );
}

describe('fault: one work item at two workers; dead letters and redrives', () => {
  it('pays each line once when two worker invocations run the same work item at once', async () => {
    const jobId = 'job_twin_workers';
    twinJobs.add(jobId);
    const { lines, body } = stack.lines(800, 9);
    await stack.runtime.submit(body, { jobId });
    expect((await stack.finish(jobId)).status).toBe('completed');
    await Promise.all(twins);
    const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
    expect(outcome.calls).toEqual(lines.map(() => 1));
    expect(outcome.discardedAnswers).toBe(0);
    // The second delivery found the lines leased and handed them back instead of calling.
    expect(
      stack.sent.filter((m) => m.type === 'run_chunk' && m.jobId === jobId && m.handoffs > 0).length,
    ).toBeGreaterThan(0);
  });

  it('a dead-lettered item fails its unfinished lines once; redriven long after, it calls nothing', async () => {
    const jobId = 'job_dead_lettered';
    lostItems.set(jobId, 1);
    const { lines, body } = stack.lines(820, 6);
    await stack.runtime.submit(body, { jobId, options: { linesPerChunk: 3 } });
    await sleep(500);
    // Chunk 1's item failed every delivery and SQS moved it to the DLQ.
    const lost = captured.find((m) => m.jobId === jobId && m.chunk === 1);
    const done = captured.find((m) => m.jobId === jobId && m.chunk === 0);
    if (lost === undefined || done === undefined) throw new Error('work items not captured');
    await sendBody(stack.runtime.resources.dlqUrl, lost);
    const finished = await stack.finish(jobId);
    expect(finished.status).toBe('completed');
    const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
    expect(outcome.results.map((r) => r.error?.code ?? r.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'dead_lettered',
      'dead_lettered',
      'dead_lettered',
    ]);

    // Long after: both items redriven to the work queue (new messageIds), and the DLQ one again.
    await sendBody(stack.runtime.resources.queueUrl, lost);
    await sendBody(stack.runtime.resources.queueUrl, done);
    await sendBody(stack.runtime.resources.dlqUrl, lost);
    await sleep(1_500);
    const again = await expectCaseInvariants(stack, jobId, { lines, body });
    expect(again.calls).toEqual([1, 1, 1, 0, 0, 0]);
    expect(await stack.runtime.deps.jobs.getJob(jobId)).toMatchObject({ updatedAt: finished.updatedAt });
  });

  it('a dead-lettered copy does not fail a line another delivery is answering right now', async () => {
    const jobId = 'job_dead_letter_race';
    const { lines, body } = stack.lines(830, 3);
    await stack.runtime.submit(body, { jobId });
    // Line 2's call takes 2 s; meanwhile a stale copy of its work item arrives at the DLQ consumer.
    await sleep(700);
    const item = captured.find((m) => m.jobId === jobId);
    if (item === undefined) throw new Error('work item not captured');
    await sendBody(stack.runtime.resources.dlqUrl, item);
    expect((await stack.finish(jobId)).status).toBe('completed');
    const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
    expect(outcome.results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(outcome.discardedAnswers).toBe(0);
  });
});

import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createSdkFaultPlan, injectSdkFaults, type SdkFaultRule } from '@thinkbatch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack } from './pipeline-fault-stack';
import { expectCaseInvariants } from './pipeline-invariants';

/** The scaled-down invocation of these cases: killed after 2 s, its messages back after 3 s. */
const WORKER_TIMEOUT_MS = 2_000;
const VISIBILITY_SECONDS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let stack: FaultStack;
/** Prompts whose first answer the worker dies holding: after the call, before any write. */
const dieAfterCall = new Set<string>();
beforeAll(async () => {
  stack = await startFaultStack({
    simulator: {
      seed: 31,
      latency: { kind: 'fixed', ms: 100 },
      slowHeadersMs: 5_000,
      // The first call of line 0 of the case tagged 740 gets no headers for 5 s.
      promptFaults: [{ match: 'What is 0 + 740?', fault: 'slowHeaders', times: 1 }],
    },
    runtime: {
      workerTimeoutMs: WORKER_TIMEOUT_MS,
      visibilityTimeoutSeconds: VISIBILITY_SECONDS,
      config: { reserveMs: 500 },
    },
    wrapModel: (model) => ({
      complete: async (body, options) => {
        const answer = await model.complete(body, options);
        const prompt = body.messages.at(-1)?.content ?? '';
        if (!dieAfterCall.delete(prompt)) return answer;
        // The answer is paid for; the invocation now hangs until Lambda kills it at its timeout.
        await new Promise((resolve) => options.signal?.addEventListener('abort', resolve, { once: true }));
        return answer;
      },
    }),
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** Run `rules` (SDK faults on the runtime's clients) for one job of `n` lines; the plan is removed after. */
async function runWithSdkFaults(tag: number, n: number, rules: readonly SdkFaultRule[]) {
  const killsBefore = kills();
  const plan = createSdkFaultPlan({ seed: tag, rules });
  const remove = injectSdkFaults(stack.runtime.clients, plan);
  try {
    const { lines, body } = stack.lines(tag, n);
    const jobId = await stack.runtime.submit(body);
    const job = await stack.finish(jobId);
    return { plan, lines, body, jobId, job, killed: kills() - killsBefore };
  } finally {
    remove();
  }
}

/** Invocations the runtime killed at their timeout so far. */
const kills = (): number =>
  stack.log.entries.filter((e) => /timed out and was killed/.test(e.message)).length;

/** An UpdateItem that records finished lines in a chunk (`SET recorded… REMOVE lease… ADD counters`). */
const recordsLines = (input: Readonly<Record<string, unknown>>): boolean =>
  /^SET .* REMOVE .* ADD /.test(String(input['UpdateExpression'] ?? '')) &&
  Object.values((input['ExpressionAttributeNames'] ?? {}) as Record<string, string>).includes('recorded');
/** A PutObject of a line's result object. */
const storesLineResult = (input: Readonly<Record<string, unknown>>): boolean =>
  /\/lines\//.test(String(input['Key'] ?? ''));

describe('fault: a worker killed at each point of a line', () => {
  // First: no message of an earlier case is still around to take the failed ack.
  it('when the ack itself is lost (DeleteMessageBatch fails): the redelivered item changes nothing', async () => {
    const { plan, lines, body, jobId, job } = await runWithSdkFaults(730, 3, [
      {
        service: 'sqs',
        operations: ['DeleteMessageBatch'],
        times: 1,
        scope: 'call',
        fault: { kind: 'unavailable' },
      },
    ]);
    expect(job.status).toBe('completed');
    expect(plan.injected).toHaveLength(1); // one delete, failed on every attempt of the SDK
    // The undeleted message comes back after its visibility timeout, to a finished job.
    await sleep((VISIBILITY_SECONDS + 0.8) * 1000);
    // It did come back, and this time it was deleted: nothing is left on the queue, visible or not.
    const attributes = await stack.runtime.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.runtime.resources.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(attributes.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
    expect(await stack.runtime.deps.jobs.getJob(jobId)).toMatchObject({ updatedAt: job.updatedAt });
    const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
    expect(outcome.calls).toEqual([1, 1, 1]);
    expect(stack.log.entries.some((e) => /event source invocation failed/.test(e.message))).toBe(true);
  });

  it('after the model answered and before anything was written: the line is called again, the first answer paid and discarded', async () => {
    const { lines, body } = stack.lines(700, 3);
    const victim = lines[1];
    if (victim === undefined) throw new Error('no line');
    dieAfterCall.add(victim.prompt);
    const jobId = await stack.runtime.submit(body);
    expect((await stack.finish(jobId)).status).toBe('completed');
    const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
    expect(outcome.calls).toEqual([1, 2, 1]);
    expect(outcome.results[1]?.attempts).toBe(2);
    expect(outcome.discardedAnswers).toBe(1);
    expect(kills()).toBeGreaterThan(0);
  });

  it('while its result object was being stored: the redelivery adopts the stored result instead of paying again', async () => {
    const { plan, lines, body, jobId, job, killed } = await runWithSdkFaults(710, 1, [
      {
        service: 's3',
        operations: ['PutObject'],
        when: storesLineResult,
        times: 1,
        fault: { kind: 'slow_response', ms: WORKER_TIMEOUT_MS + 500 },
      },
    ]);
    expect(job.status).toBe('completed');
    expect(plan.injected).toHaveLength(1);
    expect(killed).toBe(1);
    const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
    expect(outcome.calls).toEqual([1]);
    expect(
      stack.log.entries.some((e) => e.message === 'adopted a stored result left by an interrupted delivery'),
    ).toBe(true);
  });

  it('after the line was recorded and before the ack: the redelivery finds it recorded and calls nothing', async () => {
    const { plan, lines, body, jobId, job, killed } = await runWithSdkFaults(720, 3, [
      {
        service: 'dynamodb',
        operations: ['UpdateItem'],
        when: recordsLines,
        times: 1,
        fault: { kind: 'slow_response', ms: WORKER_TIMEOUT_MS + 500 },
      },
    ]);
    expect(job.status).toBe('completed');
    expect(plan.injected).toHaveLength(1);
    expect(killed).toBe(1);
    const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
    expect(outcome.calls).toEqual([1, 1, 1]);
  });

  it('with a call still waiting for headers at the invocation deadline: the attempt is cut at the reserve and the line handed back', async () => {
    // (A call deaf to the deadline, killed by the runtime mid-call: test/local/worker-timeout.test.ts.)
    const { lines, body } = stack.lines(740, 2);
    const slow = lines[0];
    if (slow === undefined) throw new Error('no line');
    const jobId = await stack.runtime.submit(body);
    expect((await stack.finish(jobId)).status).toBe('completed');
    const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
    expect(outcome.calls).toEqual([2, 1]);
    expect(outcome.discardedAnswers).toBe(0);
  });
});

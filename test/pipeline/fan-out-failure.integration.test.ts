import {
  type Clock,
  type JobSummary,
  jobKeys,
  systemClock,
  type WorkQueue,
  WorkQueueError,
} from '@thinkbatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonl, startTestStack, sumPrompt, type TestStack } from './stack';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** A work queue that is down (a transient error) for its first `failures` sends. */
function downFor(failures: number): (queue: WorkQueue) => WorkQueue {
  let calls = 0;
  return (queue) => ({
    send: async (messages, options) => {
      calls += 1;
      if (calls <= failures)
        throw new WorkQueueError('SendMessageBatch failed: ServiceUnavailable (injected)');
      await queue.send(messages, options);
    },
  });
}

async function summaryOf(s: TestStack, jobId: string): Promise<JobSummary> {
  const body = await s.runtime.deps.output.get(jobKeys.summary(jobId));
  if (body === null) throw new Error('summary missing');
  return JSON.parse(new TextDecoder().decode(body)) as JobSummary;
}

const input = [{ prompt: sumPrompt(1, 2) }, '{broken', { prompt: sumPrompt(3, 4) }];

describe('a fan-out that cannot finish, on the emulators', () => {
  it('fails the job at once, with the reason, when its work queue does not exist', async () => {
    stack = await startTestStack({
      runtime: { workQueueUrl: 'http://127.0.0.1:1/000000000000/thinkbatch-no-such-queue' },
    });
    const jobId = await stack.runtime.submit(jsonl(input));
    const job = await stack.runtime.waitForJob(jobId, { timeoutMs: 30_000 });
    expect(job).toMatchObject({ status: 'failed', error: { code: 'fan_out_failed' } });
    expect(job.error?.message).toContain('QueueDoesNotExist');
    expect(stack.log.messages.filter((m) => m === 'async invocation failed')).toHaveLength(0); // no retries
    const results = await stack.results(jobId);
    expect(results.map((r) => [r.line, r.status, r.error?.code])).toEqual([[2, 'failed', 'invalid_json']]);
    expect(await summaryOf(stack, jobId)).toMatchObject({ status: 'failed', error: job.error });
    expect(stack.callsFor(sumPrompt(1, 2))).toBe(0);
  });

  it('retries a fan-out that throws, twice, then fails the job through the failure destination', async () => {
    stack = await startTestStack({
      runtime: { wrapWorkQueue: downFor(3), fanOutRetryDelaysMs: [20, 20] },
    });
    const jobId = await stack.runtime.submit(jsonl(input), { name: 'down.jsonl' });
    const job = await stack.runtime.waitForJob(jobId, { timeoutMs: 30_000 });
    expect(job).toMatchObject({
      status: 'failed',
      error: {
        code: 'fan_out_failed',
        message:
          'fan-out of s3://thinkbatch-input/inputs/down.jsonl failed 3 times: SendMessageBatch failed: ServiceUnavailable (injected)',
      },
    });
    expect(stack.log.messages.filter((m) => m === 'async invocation failed')).toHaveLength(3);
    expect(stack.log.messages).toContain('fan-out failure handled');
    expect((await stack.results(jobId)).map((r) => r.error?.code)).toEqual(['invalid_json']);
  });

  it('finishes the job when a retry gets through', async () => {
    stack = await startTestStack({
      runtime: { wrapWorkQueue: downFor(2), fanOutRetryDelaysMs: [20, 20] },
    });
    const jobId = await stack.runtime.submit(jsonl(input));
    const job = await stack.runtime.waitForJob(jobId, { timeoutMs: 60_000 });
    expect(job.status).toBe('completed');
    expect((await stack.results(jobId)).map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
  });

  it('has the sweeper resume a fan-out whose event was lost, on its interval, with the clock it is given', async () => {
    let offsetMs = 0;
    const clock: Clock = { now: () => Date.now() + offsetMs, sleep: systemClock.sleep };
    stack = await startTestStack({ runtime: { sweeper: { intervalMs: 100, clock } } });
    const { runtime } = stack;
    // The fan-out died right after creating the job, and S3's event is gone: nothing will call it again.
    const key = 'inputs/lost-event.jsonl';
    await runtime.deps.input.put(key, jsonl(input));
    const info = await runtime.deps.input.head(key);
    if (info === null) throw new Error('upload missing');
    const jobId = 'job-lost-event';
    await runtime.deps.jobs.createJob({
      jobId,
      input: { bucket: runtime.resources.inputBucket, key, etag: info.etag, size: info.size },
      options: {},
      now: Date.now(),
    });
    await new Promise((resolve) => setTimeout(resolve, 500)); // several sweeps: not stalled yet
    expect(await runtime.deps.jobs.getJob(jobId)).toMatchObject({ status: 'validating', fanOutResumes: 0 });
    offsetMs = 21 * 60_000;
    const job = await runtime.waitForJob(jobId, { timeoutMs: 60_000 });
    expect(job).toMatchObject({ status: 'completed', fanOutResumes: 1 });
    expect((await stack.results(jobId)).map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
  });
});

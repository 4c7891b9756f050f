import { createPipelineHarness, type PipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { jobIdForUpload } from '../job/job-id';
import { jobKeys } from '../job/job-keys';
import type { WorkMessage } from '../job/work-message';
import type { WorkQueue } from '../ports/work-queue';
import { WorkQueueError } from '../ports/work-queue';
import { JobSummary } from '../results/job-summary';
import { handleFanOutFailure } from './fan-out-failure';
import { createLimiter } from './limiter';
import type { PipelineDeps } from './pipeline-deps';
import { processWorkMessage } from './process-work-message';
import { startJob, type UploadEvent } from './start-job';

const simple = (prompt: string): string => JSON.stringify({ prompt });

/** SQS's verdict on a message it will never take, as the adapter reports it. */
const refusal = (): WorkQueueError =>
  new WorkQueueError('SQS refused 1 messages: run_chunk of job j chunk 0 (InvalidMessageContents)', {
    permanent: true,
  });

/** A queue that throws a transient error for the first `failures` sends, then delivers to `next`. */
function flakyQueue(next: WorkQueue, failures: number): WorkQueue & { readonly calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    send: async (messages, options) => {
      calls += 1;
      if (calls <= failures) throw new WorkQueueError('SendMessageBatch failed: ServiceUnavailable');
      await next.send(messages, options);
    },
  };
}

async function uploadFile(
  h: PipelineHarness,
  name: string,
  text: string,
  metadata = {},
): Promise<UploadEvent> {
  await h.input.put(`inputs/${name}`, text, { metadata });
  return { bucket: 'input-bucket', key: `inputs/${name}`, sequencer: `seq-${name}` };
}

async function summaryOf(h: PipelineHarness, jobId: string): Promise<JobSummary> {
  const body = await h.output.get(jobKeys.summary(jobId));
  if (body === null) throw new Error('no summary');
  return JobSummary.parse(JSON.parse(new TextDecoder().decode(body)));
}

/** Lambda's async invocation of the fan-out: the first attempt and two retries, then the failure record. */
async function invokeLikeLambda(deps: PipelineDeps, event: UploadEvent): Promise<'succeeded' | 'failed'> {
  let last: unknown;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      await startJob(deps, event);
      return 'succeeded';
    } catch (error) {
      last = error;
    }
  }
  await handleFanOutFailure(deps, event, { attempts: 3, message: String((last as Error).message) });
  return 'failed';
}

describe('a fan-out that cannot finish', () => {
  it('fails the job at once when the work queue refuses the work for good, keeping the invalid lines', async () => {
    const h = createPipelineHarness();
    const refusing: WorkQueue = {
      send: async () => {
        throw refusal();
      },
    };
    const event = await uploadFile(h, 'refused.jsonl', [simple('a'), '{broken', simple('c')].join('\n'));
    const outcome = await startJob({ ...h.deps, queue: refusing }, event);
    expect(outcome.kind).toBe('started');
    if (outcome.kind !== 'started') return;
    expect(outcome.fanOut).toMatchObject({ kind: 'failed' });

    const job = await h.jobs.getJob(outcome.job.jobId);
    expect(job).toMatchObject({ status: 'failed', error: { code: 'fan_out_failed' } });
    expect(job?.error?.message).toContain('InvalidMessageContents');
    expect(job?.finishedAt).not.toBeNull();
    // What it did is in the outputs: the invalid line got its failed result; the valid ones never ran.
    const results = await h.results(outcome.job.jobId);
    expect(results.map((r) => [r.line, r.status, r.error?.code])).toEqual([[2, 'failed', 'invalid_json']]);
    const summary = await summaryOf(h, outcome.job.jobId);
    expect(summary).toMatchObject({
      status: 'failed',
      error: { code: 'fan_out_failed' },
      counts: { total: 1, failed: 1 },
    });
    const prefix = jobKeys.root(outcome.job.jobId);
    expect(h.output.keys().filter((k) => k.startsWith(prefix))).toEqual(
      ['errors.jsonl', 'results.jsonl', 'summary.json'].map((f) => prefix + f),
    );
    expect(h.model.calls).toHaveLength(0);
  });

  it('throws on a transient error so Lambda retries, and a retry that gets through finishes the job', async () => {
    const h = createPipelineHarness();
    const queue = flakyQueue(h.queue, 2);
    const event = await uploadFile(h, 'flaky.jsonl', [simple('a'), simple('b')].join('\n'));
    expect(await invokeLikeLambda({ ...h.deps, queue }, event)).toBe('succeeded');
    expect(queue.calls()).toBe(3); // two failed attempts, then attempt 3 sends the chunk
    await h.drain();
    const jobId = jobIdForUpload({ bucket: event.bucket, key: event.key, identity: 'seq-flaky.jsonl' });
    expect((await h.jobs.getJob(jobId))?.status).toBe('completed');
  });

  it('ends the job failed with the last error when every async attempt threw', async () => {
    const h = createPipelineHarness();
    const queue = flakyQueue(h.queue, 3);
    const event = await uploadFile(h, 'down.jsonl', [simple('a'), '{broken'].join('\n'));
    expect(await invokeLikeLambda({ ...h.deps, queue }, event)).toBe('failed');
    expect(queue.calls()).toBe(3);
    const jobId = jobIdForUpload({ bucket: event.bucket, key: event.key, identity: 'seq-down.jsonl' });
    const job = await h.jobs.getJob(jobId);
    expect(job).toMatchObject({ status: 'failed', error: { code: 'fan_out_failed' } });
    expect(job?.error?.message).toBe(
      'fan-out of s3://input-bucket/inputs/down.jsonl failed 3 times: SendMessageBatch failed: ServiceUnavailable',
    );
    expect((await h.results(jobId)).map((r) => r.error?.code)).toEqual(['invalid_json']);
    expect(await summaryOf(h, jobId)).toMatchObject({ error: job?.error, counts: { total: 1 } });
  });

  it('finds the job the uploader named, and creates a failed one when fan-out died before creating it', async () => {
    const h = createPipelineHarness();
    const named = await uploadFile(h, 'named.jsonl', simple('a'), { 'thinkbatch-job-id': 'job-chosen' });
    await handleFanOutFailure(h.deps, named, { attempts: 3, message: 'Task timed out after 900.00 seconds' });
    expect(await h.jobs.getJob('job-chosen')).toMatchObject({
      status: 'failed',
      error: {
        code: 'fan_out_failed',
        message:
          'fan-out of s3://input-bucket/inputs/named.jsonl failed 3 times: Task timed out after 900.00 seconds',
      },
    });
    expect(await h.results('job-chosen')).toEqual([]);
  });

  it('leaves alone a job whose fan-out finished after all (a duplicate event got through)', async () => {
    const h = createPipelineHarness();
    const event = await uploadFile(h, 'dup.jsonl', simple('a'));
    const started = await startJob(h.deps, event);
    if (started.kind !== 'started') throw new Error('not started');
    const outcome = await handleFanOutFailure(h.deps, event, { attempts: 3, message: 'boom' });
    expect(outcome.kind).toBe('ignored');
    await h.drain();
    expect((await h.jobs.getJob(started.job.jobId))?.status).toBe('completed');
  });

  it('keeps the results of lines that ran before a later send was refused, and runs nothing after', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 1 } });
    const invocation = () => ({ deadline: h.clock.now() + 900_000, limiter: createLimiter(2) });
    let sends = 0;
    // Workers run each chunk the moment it is sent (as Lambda would); the second group of 10 is refused.
    const eagerThenRefusing: WorkQueue = {
      send: async (messages: readonly WorkMessage[]) => {
        sends += 1;
        if (sends > 1) throw refusal();
        for (const message of messages) await processWorkMessage(h.deps, message, invocation());
      },
    };
    const lines = Array.from({ length: 15 }, (_, i) => (i === 3 ? '{broken' : simple(`p${i + 1}`)));
    const event = await uploadFile(h, 'partial.jsonl', lines.join('\n'));
    const started = await startJob({ ...h.deps, queue: eagerThenRefusing }, event);
    if (started.kind !== 'started') throw new Error('not started');
    const { jobId } = started.job;
    expect(await h.jobs.getJob(jobId)).toMatchObject({ status: 'failed', error: { code: 'fan_out_failed' } });
    const results = await h.results(jobId);
    // The first group of 10 work items (lines 1-11; line 4 was invalid, so needed none) ran; lines 12-15
    // were never sent: no result, no call.
    expect(results.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(results.filter((r) => r.status === 'succeeded')).toHaveLength(10);
    expect(h.model.calls).toHaveLength(10);
    expect(await summaryOf(h, jobId)).toMatchObject({ counts: { total: 11, succeeded: 10, failed: 1 } });
    const prefix = jobKeys.root(jobId);
    expect(h.output.keys().filter((k) => k.startsWith(prefix))).toEqual(
      ['errors.jsonl', 'results.jsonl', 'summary.json'].map((f) => prefix + f),
    );
    // A late delivery of a chunk of the failed job is dropped without a call.
    await processWorkMessage(
      h.deps,
      {
        type: 'run_chunk',
        jobId,
        chunk: 12,
        handoffs: 0,
        lines: [{ line: 13, customId: 'line-13', byteStart: 0, byteEnd: 1 }],
      },
      invocation(),
    );
    expect(h.model.calls).toHaveLength(10);
  });

  it('writes the outputs of a failed job on a retried event when the failure path died before them', async () => {
    const h = createPipelineHarness();
    const event = await uploadFile(h, 'crash.jsonl', '{broken');
    const jobId = jobIdForUpload({ bucket: event.bucket, key: event.key, identity: 'seq-crash.jsonl' });
    await h.jobs.createJob({
      jobId,
      input: { bucket: event.bucket, key: event.key, etag: 'e', size: 7 },
      options: {},
      now: h.clock.now(),
    });
    const error = { code: 'fan_out_failed', message: 'the work queue refused it' };
    await h.jobs.transitionJob(jobId, { from: ['validating'], to: 'failed', now: h.clock.now(), error });
    expect(await startJob(h.deps, event)).toMatchObject({ kind: 'ignored' });
    expect(await h.jobs.getJob(jobId)).toMatchObject({
      status: 'failed',
      error,
      outputs: { summary: jobKeys.summary(jobId) },
    });
    expect(await summaryOf(h, jobId)).toMatchObject({ status: 'failed', error });
  });
});

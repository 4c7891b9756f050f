import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { type JobSummary, jobKeys, type ResultLine, USAGE_FIELDS, type WorkMessage } from '@thinkbatch/core';
import { createdEventOf } from '@thinkbatch/local';
import { decodeReceivedBody, makeSqsRecord } from '@thinkbatch/testing';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonl, startTestStack, sumPrompt, type TestStack } from './stack';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** Every usage field of the summary equals the sum over the result lines. */
function expectTokensReconcile(results: readonly ResultLine[], summary: JobSummary): void {
  for (const field of USAGE_FIELDS) {
    const sum = results.reduce((acc, r) => acc + (r.usage?.[field] ?? 0), 0);
    expect(summary.usage[field], field).toBe(sum);
  }
}

/**
 * What every job must show: one result line per non-blank input line, in input order, each with the
 * custom_id it was given; a succeeded line's answer is the one its prompt asks for; the summary's token
 * totals equal the per-line sums.
 */
async function expectSoundJob(s: TestStack, jobId: string, input: readonly unknown[]): Promise<ResultLine[]> {
  const results = await s.results(jobId);
  expect(results.map((r) => r.line)).toEqual(input.map((_, i) => i + 1));
  input.forEach((line, i) => {
    const result = results[i];
    const given =
      typeof line === 'object' && line !== null ? (line as { custom_id?: string }).custom_id : undefined;
    if (given !== undefined && result?.error?.code !== 'duplicate_custom_id')
      expect(result?.custom_id).toBe(given);
    const prompt = JSON.stringify(line);
    const sum = /What is (\d+) \+ (\d+)\?/.exec(prompt);
    if (result?.status === 'succeeded' && sum) {
      expect(result.answer).toContain(`\\boxed{${Number(sum[1]) + Number(sum[2])}}`);
      expect(result.reasoning).toBeTruthy();
    }
  });
  expectTokensReconcile(results, await summaryOf(s, jobId));
  return results;
}

async function summaryOf(s: TestStack, jobId: string): Promise<JobSummary> {
  const body = await s.runtime.deps.output.get(jobKeys.summary(jobId));
  if (body === null) throw new Error('summary missing');
  return JSON.parse(new TextDecoder().decode(body)) as JobSummary;
}

/** Receive what is on the work queue now (test-driven mode, no event sources). */
async function receiveAll(s: TestStack): Promise<{ event: SQSEvent; messages: WorkMessage[] }> {
  const { sqs } = s.runtime.clients;
  const records: SQSEvent['Records'] = [];
  for (;;) {
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: s.runtime.resources.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const batch = got.Messages ?? [];
    if (batch.length === 0) break;
    for (const m of batch) {
      records.push(
        makeSqsRecord({
          messageId: m.MessageId ?? '',
          receiptHandle: m.ReceiptHandle ?? '',
          body: m.Body ?? '',
        }),
      );
    }
  }
  return { event: { Records: records }, messages: records.map((r) => decodeReceivedBody(r.body)) };
}

const context = { getRemainingTimeInMillis: () => 900_000 };

describe('the pipeline on the emulators, against the simulated endpoint over HTTP', () => {
  it('runs both input formats: one result per line, in order, right answers, tokens reconcile', async () => {
    stack = await startTestStack();
    const lines = Array.from({ length: 8 }, (_, i) =>
      i % 2 === 0
        ? { custom_id: `simple-${i}`, prompt: sumPrompt(i, 100) }
        : {
            custom_id: `batch-${i}`,
            method: 'POST',
            url: '/v1/chat/completions',
            body: { messages: [{ role: 'user', content: sumPrompt(i, 100) }] },
          },
    );
    const jobId = await stack.runtime.submit(jsonl(lines));
    const job = await stack.runtime.waitForJob(jobId, { timeoutMs: 60_000 });
    expect(job.status).toBe('completed');
    const results = await expectSoundJob(stack, jobId, lines);
    expect(results.map((r) => r.custom_id)).toEqual(lines.map((l) => l.custom_id));
    expect(results.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    results.forEach((r, i) => {
      expect(r.status).toBe('succeeded');
      expect(r.answer).toContain(`\\boxed{${i + 100}}`);
      expect(r.reasoning).toBeTruthy();
      expect(r.usage?.reasoning_tokens).toBeGreaterThan(0);
    });
    expectTokensReconcile(results, await summaryOf(stack, jobId));
    for (let i = 0; i < 8; i += 1) expect(stack.callsFor(sumPrompt(i, 100))).toBe(1);
  });

  it('carries a line far larger than an SQS message through the claim check', async () => {
    stack = await startTestStack();
    const filler = 'x'.repeat(3 * 1024 * 1024);
    const big = `${sumPrompt(20, 22)} ${filler}`;
    const input = [{ prompt: sumPrompt(1, 1) }, { custom_id: 'big', prompt: big }];
    const jobId = await stack.runtime.submit(jsonl(input));
    const job = await stack.runtime.waitForJob(jobId, { timeoutMs: 60_000 });
    expect(job.status).toBe('completed');
    const results = await expectSoundJob(stack, jobId, input);
    expect(results[1]).toMatchObject({ custom_id: 'big', status: 'succeeded' });
    expect(results[1]?.answer).toContain('\\boxed{42}');
    expect(results[1]?.usage?.prompt_tokens).toBeGreaterThan(700_000);
  });

  it('records invalid lines as failed without calling the endpoint for them', async () => {
    stack = await startTestStack();
    const input = [
      { prompt: sumPrompt(1, 1) },
      '{"prompt": ',
      { messages: [] },
      { custom_id: 'x', method: 'POST', url: '/v1/embeddings', body: {} },
      { prompt: sumPrompt(2, 2) },
    ];
    const jobId = await stack.runtime.submit(jsonl(input));
    await stack.runtime.waitForJob(jobId, { timeoutMs: 60_000 });
    const results = await expectSoundJob(stack, jobId, input);
    expect(results.map((r) => [r.line, r.status, r.error?.code ?? null])).toEqual([
      [1, 'succeeded', null],
      [2, 'failed', 'invalid_json'],
      [3, 'failed', 'invalid_request'],
      [4, 'failed', 'invalid_request'],
      [5, 'succeeded', null],
    ]);
    expect(stack.simulator.stats().chatRequests).toBe(2);
    const summary = await summaryOf(stack, jobId);
    expect(summary.counts).toMatchObject({ total: 5, succeeded: 2, failed: 3 });
    expectTokensReconcile(results, summary);
  });

  it('retries retryable faults and fails permanent ones, counting every attempt once', async () => {
    stack = await startTestStack({
      simulator: {
        promptFaults: [
          { match: 'What is 1 + 1', fault: 'http503', times: 2 },
          {
            match: 'What is 2 + 2',
            fault: { kind: 'status', status: 429, retryAfterMs: 50, retryAfterFormat: 'milliseconds' },
            times: 1,
          },
          { match: 'What is 3 + 3', fault: 'connectionReset', times: 1 },
          { match: 'What is 4 + 4', fault: 'truncatedBody', times: 1 },
          { match: 'What is 5 + 5', fault: 'http400' },
          { match: 'What is 6 + 6', fault: 'missingUsage' },
        ],
      },
    });
    const prompts = [1, 2, 3, 4, 5, 6].map((n) => sumPrompt(n, n));
    const input = prompts.map((prompt) => ({ prompt }));
    const jobId = await stack.runtime.submit(jsonl(input));
    await stack.runtime.waitForJob(jobId, { timeoutMs: 60_000 });
    const results = await expectSoundJob(stack, jobId, input);
    expect(results.map((r) => [r.status, r.attempts])).toEqual([
      ['succeeded', 3],
      ['succeeded', 2],
      ['succeeded', 2],
      ['succeeded', 2],
      ['failed', 1],
      ['succeeded', 1],
    ]);
    expect(results[4]?.error).toMatchObject({ code: 'endpoint_rejected', http_status: 400 });
    expect(results[5]?.usage).toBeNull();
    expect(prompts.map((p) => stack?.callsFor(p))).toEqual([3, 2, 2, 2, 1, 1]);
    const summary = await summaryOf(stack, jobId);
    // Two lines called the endpoint without usage to show: the missing-usage answer and the 400.
    expect(summary).toMatchObject({ attempts: 11, retries: 5, lines_with_unknown_usage: 2 });
    expectTokensReconcile(results, summary);
  });

  it('starts one job for a duplicated S3 event', async () => {
    stack = await startTestStack();
    const { runtime } = stack;
    const key = 'inputs/dup.jsonl';
    const input = [1, 2, 3, 4].map((n) => ({ prompt: sumPrompt(n, 0) }));
    await runtime.deps.input.put(key, jsonl(input));
    const event = await createdEventOf(runtime.deps.input, {
      bucket: runtime.resources.inputBucket,
      key,
      sequencer: '00ABC',
      region: 'us-east-1',
    });
    if (event === null) throw new Error('upload missing');
    await Promise.all([runtime.handlers.fanOut(event), runtime.handlers.fanOut(event)]);
    await runtime.handlers.fanOut(event);
    // Jobs show in the output bucket once a line is recorded (not necessarily before fan-out returns).
    const jobsWithOutputs = async (): Promise<Set<string>> => {
      const jobs = new Set<string>();
      for await (const k of runtime.deps.output.list('jobs/')) jobs.add(k.split('/')[1] ?? '');
      return jobs;
    };
    let jobs = await jobsWithOutputs();
    for (let i = 0; i < 300 && jobs.size === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      jobs = await jobsWithOutputs();
    }
    const [jobId] = [...jobs];
    if (jobId === undefined) throw new Error('no job');
    await runtime.waitForJob(jobId, { timeoutMs: 60_000 });
    expect([...(await jobsWithOutputs())]).toEqual([jobId]);
    expect((await expectSoundJob(stack, jobId, input)).map((r) => r.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    for (const n of [1, 2, 3, 4]) expect(stack.callsFor(sumPrompt(n, 0))).toBe(1);
  });

  it('never calls the endpoint again for lines of a redelivered work item, even under a new messageId', async () => {
    stack = await startTestStack({ runtime: { eventSources: false } });
    const { runtime } = stack;
    const input = [1, 2, 3].map((n) => ({ prompt: sumPrompt(n, 10) }));
    const jobId = await runtime.submit(jsonl(input));
    const first = await receiveAll(stack);
    expect(first.messages.map((m) => m.type)).toEqual(['run_chunk']);
    const response = await runtime.handlers.worker(first.event, context);
    expect(response.batchItemFailures).toEqual([]);
    // A redrive or a duplicate delivery: the same body again, as a brand-new message.
    await runtime.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: runtime.resources.queueUrl,
        MessageBody: first.event.Records[0]?.body ?? '',
      }),
    );
    const again = await receiveAll(stack);
    const types = again.messages.map((m) => m.type).sort();
    expect(types).toEqual(['finalize_job', 'run_chunk']);
    await runtime.handlers.worker(again.event, context);
    for (const n of [1, 2, 3]) expect(stack.callsFor(sumPrompt(n, 10))).toBe(1);
    const job = await runtime.deps.jobs.getJob(jobId);
    expect(job?.status).toBe('completed');
    expect((await expectSoundJob(stack, jobId, input)).map((r) => r.attempts)).toEqual([1, 1, 1]);
  });

  it('grants one of several racing finalize requests and writes correct outputs', async () => {
    stack = await startTestStack({ runtime: { eventSources: false } });
    const { runtime } = stack;
    const input = [1, 2, 3, 4, 5].map((n) => ({ prompt: sumPrompt(n, 1) }));
    const jobId = await runtime.submit(jsonl(input));
    const work = await receiveAll(stack);
    await runtime.handlers.worker(work.event, context);
    const finalizes = await receiveAll(stack);
    expect(finalizes.messages.every((m) => m.type === 'finalize_job')).toBe(true);
    const body = finalizes.event.Records[0]?.body ?? '';
    const record = finalizes.event.Records[0];
    if (record === undefined) throw new Error('no finalize request');
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        runtime.handlers.worker({ Records: [{ ...record, messageId: `race-${i}`, body }] }, context),
      ),
    );
    expect(stack.log.messages.filter((m) => m === 'finalizing job')).toHaveLength(1);
    expect((await runtime.deps.jobs.getJob(jobId))?.status).toBe('completed');
    const results = await expectSoundJob(stack, jobId, input);
    expect(results.map((r) => r.answer)).toEqual(
      [2, 3, 4, 5, 6].map((n) => `**Final Answer**\n\nThe answer is \\boxed{${n}}.`),
    );
    for (let n = 1; n <= 5; n += 1) expect(stack.callsFor(sumPrompt(n, 1))).toBe(1);
  });

  it('resumes a work item whose worker died mid-item without repeating finished lines', async () => {
    let crashed = false;
    stack = await startTestStack({
      runtime: { visibilityTimeoutSeconds: 1, maxConcurrency: 2 },
      wrapModel: (model) => ({
        complete: async (body, options) => {
          const result = await model.complete(body, options);
          if (!crashed && body.messages.some((m) => m.content.includes('What is 3 + 7'))) {
            crashed = true; // the endpoint answered, then the worker died before recording the line
            throw new Error('worker killed');
          }
          return result;
        },
      }),
    });
    const prompts = [1, 2, 3].map((n) => sumPrompt(n, 7));
    const input = prompts.map((prompt) => ({ prompt }));
    const jobId = await stack.runtime.submit(jsonl(input), { options: { linesPerChunk: 3 } });
    const job = await stack.runtime.waitForJob(jobId, { timeoutMs: 60_000 });
    expect(job.status).toBe('completed');
    expect(crashed).toBe(true);
    expect(prompts.map((p) => stack?.callsFor(p))).toEqual([1, 1, 2]);
    const results = await expectSoundJob(stack, jobId, input);
    expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('turns a work item that exhausts its deliveries into dead-lettered result lines', async () => {
    stack = await startTestStack({
      runtime: { visibilityTimeoutSeconds: 1, maxConcurrency: 2 },
      wrapModel: (model) => ({
        complete: async (body, options) => {
          if (body.messages.some((m) => m.content.includes('poison')))
            throw new Error('worker crashes on this line');
          return model.complete(body, options);
        },
      }),
    });
    const input = [{ prompt: sumPrompt(1, 2) }, { prompt: 'poison pill' }, { prompt: sumPrompt(3, 4) }];
    const jobId = await stack.runtime.submit(jsonl(input));
    const job = await stack.runtime.waitForJob(jobId, { timeoutMs: 90_000 });
    expect(job.status).toBe('completed');
    const results = await expectSoundJob(stack, jobId, input);
    expect(results.map((r) => [r.line, r.status, r.error?.code ?? null])).toEqual([
      [1, 'succeeded', null],
      [2, 'failed', 'dead_lettered'],
      [3, 'succeeded', null],
    ]);
    expect(stack.callsFor(sumPrompt(1, 2))).toBe(1);
    expect(stack.callsFor(sumPrompt(3, 4))).toBe(1);
    expect((await summaryOf(stack, jobId)).failed_by_code).toEqual({ dead_lettered: 1 });
  });
});

import { answerEcho, createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { jobKeys } from '../job/job-keys';
import type { WorkMessage } from '../job/work-message';
import type { ModelCallResult } from '../ports/model-client';
import { JobSummary } from '../results/job-summary';
import type { ResultLine } from '../results/result-line';
import { USAGE_FIELDS } from '../usage/usage';
import { handleDeadLetter } from './dead-letter';
import { finalizeJob } from './finalize-job';
import { sumJobProgress } from './job-progress';

const simple = (prompt: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ prompt, ...extra });
const batch = (customId: string, prompt: string): string =>
  JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { messages: [{ role: 'user', content: prompt }] },
  });

function httpFailure(status: number, retryAfterMs: number | null = null): ModelCallResult {
  return {
    kind: 'failed',
    latencyMs: 1,
    failure: { type: 'http_error', status, message: `status ${status}`, retryAfterMs, requestId: null },
  };
}

/** Exact sum of each usage field over the result lines that reported it. */
function sumUsage(results: readonly ResultLine[]): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const field of USAGE_FIELDS)
    sums[field] = results.reduce((acc, r) => acc + (r.usage?.[field] ?? 0), 0);
  return sums;
}

async function summaryOf(
  h: ReturnType<typeof createPipelineHarness>,
  jobId: string,
): Promise<Record<string, unknown>> {
  const body = await h.output.get(jobKeys.summary(jobId));
  if (body === null) throw new Error('no summary');
  return JSON.parse(new TextDecoder().decode(body));
}

describe('pipeline on in-memory ports', () => {
  it('writes a cost estimate into summary.json when prices are configured, per model', async () => {
    const prices = { 'deepseek-ai/deepseek-r1': { input: 0.55, cached_input: 0.14, output: 2.19 } };
    const h = createPipelineHarness({ config: { prices } });
    const job = await h.upload(
      'priced.jsonl',
      `${[simple('p1'), simple('p2'), simple('p3', { model: 'x/y' })].join('\n')}\n`,
    );
    await h.drain();
    const summary = JobSummary.parse(await summaryOf(h, job.jobId));
    const r1 = sumUsage((await h.results(job.jobId)).filter((r) => r.model === 'deepseek-ai/deepseek-r1'));
    const expected = ((r1['prompt_tokens'] ?? 0) * 0.55 + (r1['completion_tokens'] ?? 0) * 2.19) / 1e6;
    expect(summary.cost).toMatchObject({
      currency: 'USD',
      partial: true,
      basis:
        'partial: 1 line of x/y without a price; 2 lines without cached_prompt_tokens priced as uncached',
    });
    expect(summary.cost?.total).toBeCloseTo(expected, 6);
    expect(summary.cost?.total).toBeGreaterThan(0);

    const unpriced = createPipelineHarness();
    const plain = await unpriced.upload('plain.jsonl', `${simple('p1')}\n`);
    await unpriced.drain();
    expect((await summaryOf(unpriced, plain.jobId))['cost']).toBeNull();
  });

  it('runs both input formats to one ordered result line per non-blank line, tokens summed exactly', async () => {
    const h = createPipelineHarness();
    const text = [
      simple('p1'),
      '',
      batch('b-2', 'p2'),
      simple('p3', { custom_id: 'c3' }),
      '   ',
      batch('b-4', 'p4'),
      simple('p5'),
      simple('p6'),
      simple('p7'),
    ].join('\n');
    const job = await h.upload('mixed.jsonl', `${text}\n`);
    expect(job.status).toBe('queued');
    expect(job.linesTotal).toBe(7);
    expect(job.chunksTotal).toBe(3);
    await h.drain();

    const done = await h.jobs.getJob(job.jobId);
    expect(done?.status).toBe('completed');
    const results = await h.results(job.jobId);
    expect(results.map((r) => r.line)).toEqual([1, 3, 4, 6, 7, 8, 9]);
    expect(results.map((r) => r.custom_id)).toEqual([
      'line-1',
      'b-2',
      'c3',
      'b-4',
      'line-7',
      'line-8',
      'line-9',
    ]);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(results.map((r) => r.answer)).toEqual(
      ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'].map((p) => `answer:${p}`),
    );
    expect(results[0]?.reasoning).toBe('thinking about p1');

    const summary = await summaryOf(h, job.jobId);
    expect(summary).toMatchObject({ counts: { total: 7, succeeded: 7, failed: 0 } });
    const usage = summary['usage'] as Record<string, number>;
    const sums = sumUsage(results);
    for (const field of ['prompt_tokens', 'completion_tokens', 'total_tokens', 'reasoning_tokens'] as const) {
      expect(usage[field]).toBe(sums[field]);
    }
    const progress = await sumJobProgress(h.jobs, job.jobId);
    expect(progress.usage.prompt_tokens).toBe(sums['prompt_tokens']);
    // Two paths to the same numbers: the job store's live counters, and the results in the chunk files.
    const { counts, attempts, retries, usage: totals } = JobSummary.parse(summary);
    const { total: _total, ...byStatus } = counts;
    expect(progress).toEqual({ ...byStatus, attempts, retries, usage: totals });
    expect(h.model.calls).toHaveLength(7);
  });

  it('marks a job running when workers start before fan-out has finished, and still finishes it', async () => {
    const h = createPipelineHarness();
    const { processWorkMessage } = await import('./process-work-message');
    const { createLimiter } = await import('./limiter');
    const { startJob } = await import('./start-job');
    // Workers pick up each chunk the moment fan-out sends it, as Lambda would for a large file.
    const eager = {
      ...h.deps,
      queue: {
        send: async (messages: readonly WorkMessage[]) => {
          for (const message of messages) {
            if (message.type !== 'run_chunk') await h.queue.send([message]);
            else
              await processWorkMessage(h.deps, message, {
                deadline: h.clock.now() + 900_000,
                limiter: createLimiter(2),
              });
          }
        },
      },
    };
    await h.input.put('inputs/eager.jsonl', [1, 2, 3, 4, 5, 6, 7].map((n) => simple(`p${n}`)).join('\n'));
    const started = await startJob(eager, {
      bucket: 'input-bucket',
      key: 'inputs/eager.jsonl',
      sequencer: 's1',
    });
    if (started.kind !== 'started') throw new Error('not started');
    const afterFanOut = await h.jobs.getJob(started.job.jobId);
    expect(afterFanOut).toMatchObject({ status: 'running', chunksTotal: 3, linesTotal: 7 });
    expect(afterFanOut?.startedAt).not.toBeNull();
    await h.drain();
    expect((await h.jobs.getJob(started.job.jobId))?.status).toBe('completed');
    expect((await h.results(started.job.jobId)).map((r) => r.answer)).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => `answer:p${n}`),
    );
  });

  it('leaves only its outputs behind once finished, with the OpenAI Batch file when asked', async () => {
    const h = createPipelineHarness();
    const job = await h.upload('tidy.jsonl', [simple('a'), '{broken', simple('c'), simple('d')].join('\n'), {
      metadata: { 'thinkbatch-options': JSON.stringify({ openaiBatchOutput: true }) },
    });
    await h.drain();
    const prefix = `jobs/${job.jobId}/`;
    expect(h.output.keys().filter((k) => k.startsWith(prefix))).toEqual(
      ['errors.jsonl', 'openai-batch-output.jsonl', 'results.jsonl', 'summary.json'].map((f) => prefix + f),
    );
    const batchLines = new TextDecoder()
      .decode((await h.output.get(jobKeys.openaiBatch(job.jobId))) ?? new Uint8Array())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(
      batchLines.map((l) => [l.custom_id, l.response?.status_code ?? null, l.error?.code ?? null]),
    ).toEqual([
      ['line-1', 200, null],
      ['line-2', null, 'invalid_json'],
      ['line-3', 200, null],
      ['line-4', 200, null],
    ]);
    expect(batchLines[0].response.body.choices[0].message).toMatchObject({
      content: 'answer:a',
      reasoning_content: 'thinking about a',
    });
  });

  it('resumes an interrupted fan-out without enqueueing a chunk twice', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 1 } });
    const { startJob } = await import('./start-job');
    let sends = 0;
    const flaky = {
      ...h.deps,
      queue: {
        send: async (messages: readonly WorkMessage[]) => {
          sends += 1;
          if (sends === 2) throw new Error('SQS unavailable'); // the fan-out Lambda fails mid-file
          await h.queue.send(messages);
        },
      },
    };
    const text = Array.from({ length: 25 }, (_, i) => simple(`p${i + 1}`)).join('\n');
    await h.input.put('inputs/resume.jsonl', text);
    const event = { bucket: 'input-bucket', key: 'inputs/resume.jsonl', sequencer: 'seq-resume' };
    await expect(startJob(flaky, event)).rejects.toThrow('SQS unavailable');
    const retried = await startJob(flaky, event); // Lambda's async retry of the same event
    expect(retried.kind).toBe('started');
    if (retried.kind !== 'started') return;
    const chunks = h.queue.sent.filter((m) => m.message.type === 'run_chunk').map((m) => m.message);
    expect(chunks.map((m) => (m.type === 'run_chunk' ? m.chunk : -1)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, i) => i),
    );
    await h.drain();
    expect((await h.jobs.getJob(retried.job.jobId))?.status).toBe('completed');
    expect(Array.from({ length: 25 }, (_, i) => h.model.callsFor(`p${i + 1}`))).toEqual(Array(25).fill(1));
  });

  it('records invalid and duplicate lines as failed results at fan-out, without calling the endpoint', async () => {
    const h = createPipelineHarness();
    const text = [
      simple('ok1', { custom_id: 'a' }),
      '{not json',
      JSON.stringify({ messages: [{ role: 'tool', content: 'x' }] }),
      simple('dup', { custom_id: 'a' }),
      JSON.stringify({ custom_id: 'e', method: 'POST', url: '/v1/embeddings', body: { input: 'x' } }),
      simple('ok2'),
    ].join('\n');
    const job = await h.upload('invalid.jsonl', text);
    await h.drain();
    const results = await h.results(job.jobId);
    expect(results.map((r) => [r.line, r.status, r.error?.code ?? null])).toEqual([
      [1, 'succeeded', null],
      [2, 'failed', 'invalid_json'],
      [3, 'failed', 'invalid_request'],
      [4, 'failed', 'duplicate_custom_id'],
      [5, 'failed', 'invalid_request'],
      [6, 'succeeded', null],
    ]);
    expect(results.every((r) => r.error === null || r.error.message.includes(`line ${r.line}`))).toBe(true);
    expect(h.model.calls.map((c) => c.prompt)).toEqual(['ok1', 'ok2']);
    const errors = new TextDecoder().decode(
      (await h.output.get(jobKeys.errors(job.jobId))) ?? new Uint8Array(),
    );
    expect(
      errors
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).line),
    ).toEqual([2, 3, 4, 5]);
    expect(await summaryOf(h, job.jobId)).toMatchObject({
      status: 'completed',
      counts: { total: 6, succeeded: 2, failed: 4 },
    });
  });

  it('retries retryable failures with backoff and counts attempts and retries', async () => {
    const h = createPipelineHarness({
      behaviour: (args) =>
        args.prompt === 'flaky' && args.callsForPrompt < 2 ? httpFailure(503) : answerEcho(args),
    });
    const job = await h.upload('flaky.jsonl', [simple('flaky'), simple('steady')].join('\n'));
    await h.drain();
    const results = await h.results(job.jobId);
    expect(results[0]).toMatchObject({ status: 'succeeded', attempts: 3, answer: 'answer:flaky' });
    expect(results[1]).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(h.clock.slept).toBeGreaterThanOrEqual(0);
    expect(await summaryOf(h, job.jobId)).toMatchObject({ attempts: 4, retries: 2 });
  });

  it('fails a line for good on a permanent error, and after the attempt limit on retryable ones', async () => {
    const h = createPipelineHarness({
      behaviour: (args) =>
        args.prompt === 'bad'
          ? httpFailure(400)
          : args.prompt === 'down'
            ? httpFailure(500)
            : answerEcho(args),
      config: { retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100 } },
    });
    const job = await h.upload('faults.jsonl', [simple('bad'), simple('down'), simple('fine')].join('\n'));
    await h.drain();
    const results = await h.results(job.jobId);
    expect(results[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'endpoint_rejected', http_status: 400 },
    });
    expect(results[1]).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { code: 'attempts_exhausted', http_status: 500 },
    });
    expect(results[2]).toMatchObject({ status: 'succeeded' });
    expect(h.model.callsFor('bad')).toBe(1);
    expect(h.model.callsFor('down')).toBe(3);
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
  });

  it('starts one job for a duplicated upload event and enqueues its work once', async () => {
    const h = createPipelineHarness();
    const job = await h.upload(
      'dup-event.jsonl',
      [simple('a'), simple('b'), simple('c'), simple('d')].join('\n'),
      { times: 3 },
    );
    expect(h.queue.sent.filter((s) => s.message.type === 'run_chunk')).toHaveLength(2);
    await h.drain();
    expect(h.model.calls).toHaveLength(4);
    expect((await h.results(job.jobId)).map((r) => r.line)).toEqual([1, 2, 3, 4]);
  });

  it('never calls the endpoint again for lines a redelivered work item already finished', async () => {
    const h = createPipelineHarness();
    const job = await h.upload('redeliver.jsonl', [simple('a'), simple('b'), simple('c')].join('\n'));
    const [first] = h.queue.drain();
    if (first === undefined) throw new Error('no work item');
    await h.queue.send([first.message]);
    await h.queue.send([first.message]);
    await h.drain();
    expect(h.model.calls).toHaveLength(3);
    const results = await h.results(job.jobId);
    expect(results).toHaveLength(3);
    const progress = await sumJobProgress(h.jobs, job.jobId);
    expect(progress.succeeded).toBe(3);
    expect(progress.attempts).toBe(3);
  });

  it('lets only one of two concurrent deliveries of the same work item pay for each line', async () => {
    // Every call waits until three calls are in flight, so both deliveries are running at once.
    let open = (): void => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const h = createPipelineHarness({
      behaviour: async (args) => {
        if (h.model.calls.length >= 3) open();
        await gate;
        return answerEcho(args);
      },
    });
    const job = await h.upload('concurrent.jsonl', [simple('a'), simple('b'), simple('c')].join('\n'));
    const [item] = h.queue.drain();
    if (item === undefined || item.message.type !== 'run_chunk') throw new Error('no work item');
    const { processWorkMessage } = await import('./process-work-message');
    const { createLimiter } = await import('./limiter');
    const deliver = () =>
      processWorkMessage(h.deps, item.message, {
        deadline: h.clock.now() + 900_000,
        limiter: createLimiter(3),
      });
    await Promise.all([deliver(), deliver()]);
    await h.drain();
    expect(['a', 'b', 'c'].map((p) => h.model.callsFor(p))).toEqual([1, 1, 1]);
    expect((await h.results(job.jobId)).map((r) => r.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect((await h.jobs.getChunk(job.jobId, 0))?.leases).toEqual({});
  });

  it('adopts a result a crashed delivery stored but did not record, instead of paying again', async () => {
    const h = createPipelineHarness();
    const job = await h.upload('crash.jsonl', [simple('a'), simple('b')].join('\n'));
    const [item] = h.queue.drain();
    if (item === undefined || item.message.type !== 'run_chunk') throw new Error('no work item');
    // The crashed delivery: it counted an attempt, called the model and stored the result, then died.
    await h.jobs.claimLineAttempt(job.jobId, 0, 1, {
      holder: 'crashed',
      until: h.clock.now() + 1_000,
      now: h.clock.now(),
    });
    h.clock.advance(2_000); // the crashed invocation's lease has run out
    await h.model.complete({ model: 'm', messages: [{ role: 'user', content: 'a' }] }, { timeoutMs: 1000 });
    const orphan: ResultLine = {
      custom_id: 'line-1',
      line: 1,
      status: 'succeeded',
      reasoning: 'r',
      answer: 'answer:a',
      finish_reason: 'stop',
      usage: {
        prompt_tokens: 1,
        completion_tokens: 2,
        total_tokens: 3,
        reasoning_tokens: 1,
        cached_prompt_tokens: null,
        estimated_reasoning_tokens: null,
      },
      attempts: 1,
      latency_ms: 5,
      model: 'm',
      request_id: null,
      error: null,
    };
    await h.output.put(jobKeys.lineResult(job.jobId, 0, 1, 'crashed'), JSON.stringify(orphan));
    await h.queue.send([item.message]);
    await h.drain();
    expect(h.model.callsFor('a')).toBe(1);
    const results = await h.results(job.jobId);
    expect(results[0]).toMatchObject({ line: 1, answer: 'answer:a', usage: { total_tokens: 3 } });
    expect(results[1]).toMatchObject({ line: 2, status: 'succeeded' });
  });

  it('hands a line back to the queue with a delay during a 429 storm instead of sleeping', async () => {
    const h = createPipelineHarness({
      behaviour: (args) => (args.callsForPrompt === 0 ? httpFailure(429, 60_000) : answerEcho(args)),
    });
    const job = await h.upload('storm.jsonl', simple('a'));
    const [item] = h.queue.drain();
    if (item === undefined) throw new Error('no work item');
    await h.queue.send([item.message]);
    const processed = await h.drain({});
    expect(processed).toBe(3); // the item, the handed-back item, the finalize request
    const handedBack = h.queue.sent.find((s) => s.message.type === 'run_chunk' && s.message.handoffs === 1);
    expect(handedBack?.delaySeconds).toBeGreaterThanOrEqual(60);
    expect(h.clock.slept).toBe(0);
    expect((await h.results(job.jobId))[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('hands lines back when the invocation is about to time out', async () => {
    const h = createPipelineHarness({ invocationMs: 30_000 });
    const job = await h.upload('late.jsonl', simple('a'));
    // 30 s left < the 60 s reserve: nothing may start; the line comes back forever until time allows.
    const [item] = h.queue.drain();
    if (item === undefined) throw new Error('no work item');
    await h.deps.queue.send([item.message]);
    const [again] = h.queue.drain();
    if (again === undefined) throw new Error('no work item');
    const { processWorkMessage } = await import('./process-work-message');
    const { createLimiter } = await import('./limiter');
    await processWorkMessage(h.deps, again.message, {
      deadline: h.clock.now() + 30_000,
      limiter: createLimiter(2),
    });
    expect(h.model.calls).toHaveLength(0);
    expect(h.queue.sent.at(-1)?.message).toMatchObject({ type: 'run_chunk', handoffs: 1 });
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('running');
  });

  it('records the rest of a cancelled job as cancelled and reports the job cancelled', async () => {
    const h = createPipelineHarness();
    const job = await h.upload(
      'cancel.jsonl',
      [simple('a'), simple('b'), simple('c'), simple('d')].join('\n'),
    );
    const [first, second] = h.queue.drain();
    if (first === undefined || second === undefined) throw new Error('expected two work items');
    await h.queue.send([first.message]);
    await h.drain();
    await h.jobs.requestCancel(job.jobId, h.clock.now());
    await h.queue.send([second.message]);
    await h.drain();
    const results = await h.results(job.jobId);
    expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'cancelled']);
    expect(results[3]?.error?.code).toBe('cancelled');
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('cancelled');
  });

  it('expires lines that have not run when the job deadline passes', async () => {
    const h = createPipelineHarness();
    const deadline = h.clock.now() + 1_000;
    const job = await h.upload(
      'deadline.jsonl',
      [simple('a'), simple('b'), simple('c'), simple('d')].join('\n'),
      {
        metadata: { 'thinkbatch-options': JSON.stringify({ deadline }) },
      },
    );
    const [first, second] = h.queue.drain();
    if (first === undefined || second === undefined) throw new Error('expected two work items');
    await h.queue.send([first.message]);
    await h.drain();
    h.clock.advance(5_000);
    await h.queue.send([second.message]);
    await h.drain();
    const results = await h.results(job.jobId);
    expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'expired']);
    expect(results[3]?.error?.code).toBe('deadline_exceeded');
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('expired');
  });

  it('turns a dead-lettered work item into failed result lines and still finishes the job', async () => {
    const h = createPipelineHarness();
    const job = await h.upload('dlq.jsonl', [simple('a'), simple('b'), simple('c'), simple('d')].join('\n'));
    const [first, second] = h.queue.drain();
    if (first === undefined || second === undefined) throw new Error('expected two work items');
    await h.queue.send([first.message]);
    await h.drain();
    await handleDeadLetter(h.deps, second.message, 5);
    await h.drain();
    const results = await h.results(job.jobId);
    expect(results.map((r) => [r.line, r.status, r.error?.code ?? null])).toEqual([
      [1, 'succeeded', null],
      [2, 'succeeded', null],
      [3, 'succeeded', null],
      [4, 'failed', 'dead_lettered'],
    ]);
    expect(h.model.callsFor('d')).toBe(0);
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
  });

  it('grants finalization to exactly one of several racing finalizers', async () => {
    const h = createPipelineHarness();
    const job = await h.upload('race.jsonl', [simple('a'), simple('b')].join('\n'));
    const items = h.queue.drain();
    for (const { message } of items) {
      const { processWorkMessage } = await import('./process-work-message');
      const { createLimiter } = await import('./limiter');
      await processWorkMessage(h.deps, message, {
        deadline: h.clock.now() + 900_000,
        limiter: createLimiter(2),
      });
    }
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => finalizeJob(h.deps, job.jobId)));
    expect(outcomes.filter((o) => o.kind === 'finalized')).toHaveLength(1);
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
  });

  // Issue 11: an input with nothing to run is a job-level error the user sees, not a quiet success.
  it('fails an empty input at once with one job-level error, and leaves empty outputs', async () => {
    const h = createPipelineHarness();
    const job = await h.upload('empty.jsonl', '\n\n');
    await h.drain();
    const ended = await h.jobs.getJob(job.jobId);
    expect(ended).toMatchObject({ status: 'failed', linesTotal: 0, error: { code: 'input_empty' } });
    expect(ended?.error?.message).toMatch(/empty or holds only blank lines/);
    expect(await h.results(job.jobId)).toEqual([]);
    expect(await summaryOf(h, job.jobId)).toMatchObject({ counts: { total: 0 } });
    expect(h.queue.sent).toHaveLength(0);
  });

  it('fails the job with a clear error when the options metadata is invalid', async () => {
    const h = createPipelineHarness();
    const job = await h.upload('badopts.jsonl', simple('a'), {
      metadata: { 'thinkbatch-options': '{"maxAttempts": 0}' },
    });
    expect(job.status).toBe('failed');
    expect(job.error?.message).toMatch(/maxAttempts/);
    expect(h.queue.sent).toHaveLength(0);
  });
});

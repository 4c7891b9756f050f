import { answerEcho, createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { ModelCallResult } from '../ports/model-client';
import { mergeResults } from '../results/merge-results';
import type { ResultLine } from '../results/result-line';
import { retryInputLines } from './retry-input';

const rejected: ModelCallResult = {
  kind: 'failed',
  latencyMs: 1,
  failure: { type: 'http_error', status: 400, message: 'no', retryAfterMs: null, requestId: null },
};

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

const input = [
  JSON.stringify({ prompt: 'ok-1' }),
  JSON.stringify({ prompt: 'flaky-a', temperature: 0.3 }),
  '',
  '{broken',
  JSON.stringify({
    custom_id: 'batch-b',
    method: 'POST',
    url: '/v1/chat/completions',
    body: { messages: [{ role: 'user', content: 'flaky-b' }] },
  }),
  JSON.stringify({ custom_id: 'batch-b', prompt: 'duplicate' }),
  JSON.stringify({ custom_id: 'ok-2', prompt: 'ok-2' }),
].join('\n');

describe('retrying the failed lines of a job', () => {
  it('runs only the lines that failed on the endpoint, each with its custom_id, and merges back in the parent’s order', async () => {
    let healthy = false;
    const h = createPipelineHarness({
      behaviour: (call) => (!healthy && call.prompt.startsWith('flaky') ? rejected : answerEcho(call)),
    });
    const parent = await h.upload('parent.jsonl', input);
    await h.drain();
    const parentJob = await h.jobs.getJob(parent.jobId);
    const parentResults = await h.results(parent.jobId);
    expect(parentResults.map((r) => [r.line, r.custom_id, r.status, r.error?.code ?? null])).toEqual([
      [1, 'line-1', 'succeeded', null],
      [2, 'line-2', 'failed', 'endpoint_rejected'],
      [4, 'line-4', 'failed', 'invalid_json'],
      [5, 'batch-b', 'failed', 'endpoint_rejected'],
      [6, 'batch-b', 'failed', 'duplicate_custom_id'],
      [7, 'ok-2', 'succeeded', null],
    ]);
    if (parentJob === null) throw new Error('no parent');

    const lines = await collect(retryInputLines(h.deps, parentJob, each(parentResults), ['failed']));
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { custom_id: 'line-2', prompt: 'flaky-a', temperature: 0.3 },
      JSON.parse(input.split('\n')[4] ?? ''),
    ]);
    expect(lines[1]).toBe(input.split('\n')[4]);

    healthy = true;
    const retry = await h.upload('retry.jsonl', lines.join('\n'));
    await h.drain();
    const retryResults = await h.results(retry.jobId);
    expect(retryResults.map((r) => [r.line, r.custom_id, r.status])).toEqual([
      [1, 'line-2', 'succeeded'],
      [2, 'batch-b', 'succeeded'],
    ]);
    expect(h.model.calls.filter((call) => call.prompt === 'flaky-a').at(-1)?.body.temperature).toBe(0.3);

    const merged = await collect(mergeResults(each(parentResults), each(retryResults)));
    expect(merged.map((r) => [r.line, r.custom_id, r.status, r.answer])).toEqual([
      [1, 'line-1', 'succeeded', 'answer:ok-1'],
      [2, 'line-2', 'succeeded', 'answer:flaky-a'],
      [4, 'line-4', 'failed', null],
      [5, 'batch-b', 'succeeded', 'answer:flaky-b'],
      // The later line with the same custom_id failed on its input: another request, kept as it was.
      [6, 'batch-b', 'failed', null],
      [7, 'ok-2', 'succeeded', 'answer:ok-2'],
    ]);
  });

  it('selects other statuses when asked, and nothing when no line has them', async () => {
    const h = createPipelineHarness();
    const parent = await h.upload('all-ok.jsonl', [JSON.stringify({ prompt: 'x' }), '{bad'].join('\n'));
    await h.drain();
    const job = await h.jobs.getJob(parent.jobId);
    if (job === null) throw new Error('no job');
    const results = await h.results(parent.jobId);
    expect(await collect(retryInputLines(h.deps, job, each(results), ['failed']))).toEqual([]);
    expect(await collect(retryInputLines(h.deps, job, each(results), ['succeeded']))).toEqual([
      JSON.stringify({ custom_id: 'line-1', prompt: 'x' }),
    ]);
  });

  it('refuses an input that changed since the parent ran', async () => {
    const h = createPipelineHarness();
    const parent = await h.upload('changed.jsonl', JSON.stringify({ prompt: 'x' }));
    await h.drain();
    const job = await h.jobs.getJob(parent.jobId);
    if (job === null) throw new Error('no job');
    await h.input.put(job.input.key, JSON.stringify({ prompt: 'y' }));
    const results = await h.results(parent.jobId);
    await expect(collect(retryInputLines(h.deps, job, each(results), ['succeeded']))).rejects.toThrow(
      /changed/,
    );
  });
});

describe('mergeResults', () => {
  const line = (n: number, customId: string, status: ResultLine['status']): ResultLine => ({
    custom_id: customId,
    line: n,
    status,
    reasoning: null,
    answer: status === 'succeeded' ? `a${n}` : null,
    finish_reason: null,
    usage: null,
    attempts: 1,
    latency_ms: null,
    model: null,
    request_id: null,
    error: status === 'succeeded' ? null : { code: 'attempts_exhausted', message: 'x' },
  });

  it('keeps every parent line, in order, and ignores retry lines it cannot place', async () => {
    const parent = [line(1, 'a', 'succeeded'), line(2, 'b', 'failed'), line(3, 'c', 'expired')];
    const retry = [line(1, 'c', 'failed'), line(2, 'zzz', 'succeeded'), line(3, 'b', 'succeeded')];
    const merged = await collect(mergeResults(each(parent), each(retry)));
    expect(merged).toEqual([parent[0], { ...retry[2], line: 2 }, { ...retry[0], line: 3 }]);
  });
});

import { gzipSync } from 'node:zlib';
import { type ModelCallResult, retryInputLines } from '@thinkbatch/core';
import { answerEcho, createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';

const rejected: ModelCallResult = {
  kind: 'failed',
  latencyMs: 1,
  failure: { type: 'http_error', status: 400, message: 'no', retryAfterMs: null, requestId: null },
};

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

describe('a gzip job, retried', () => {
  it('reads the retry’s lines from the parent’s gzip upload, like fan-out did', async () => {
    const h = createPipelineHarness({
      behaviour: (call) => (call.prompt.startsWith('flaky') ? rejected : answerEcho(call)),
    });
    const text = ['{"prompt":"ok"}', '{"prompt":"flaky-1","temperature":0.2}', '{"prompt":"flaky-2"}'].join(
      '\n',
    );
    await h.input.put('inputs/parent.jsonl.gz', gzipSync(text));
    const { startJob } = await import('@thinkbatch/core');
    const started = await startJob(h.deps, {
      bucket: h.input.bucket,
      key: 'inputs/parent.jsonl.gz',
      sequencer: 's',
    });
    if (started.kind !== 'started') throw new Error(started.reason);
    await h.drain();
    const parent = await h.jobs.getJob(started.job.jobId);
    if (parent === null) throw new Error('no parent');
    const results = await h.results(parent.jobId);
    expect(results.map((r) => r.status)).toEqual(['succeeded', 'failed', 'failed']);

    const lines: string[] = [];
    for await (const line of retryInputLines(h.deps, parent, each(results), ['failed'])) lines.push(line);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { custom_id: 'line-2', prompt: 'flaky-1', temperature: 0.2 },
      { custom_id: 'line-3', prompt: 'flaky-2' },
    ]);
  });
});

import { startJob } from '@thinkbatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonl, startTestStack, sumPrompt, type TestStack } from './stack';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('fan-out handed on past its deadline, on the emulators', () => {
  it('a worker continues it from the checkpoint over SQS: every line once, in order; the job counter exact', async () => {
    stack = await startTestStack({ runtime: { maxConcurrency: 4 } });
    const { deps } = stack.runtime;
    const lines = Array.from({ length: 330 }, (_, i) => ({ custom_id: `h-${i}`, prompt: sumPrompt(i, 7) }));
    const key = 'inputs/handoff.jsonl';
    await deps.input.put(key, jsonl(lines));
    // 110 chunks of 3 lines; a deadline already reached: the fan-out writes one window (100 chunks), then hands on.
    const started = await startJob(
      deps,
      { bucket: deps.input.bucket, key, sequencer: 'handoff' },
      {
        deadline: Date.now(),
      },
    );
    if (started.kind !== 'started') throw new Error('not started');
    expect(started.fanOut).toEqual({ kind: 'continued', chunks: 100, continuations: 1 });
    const { jobId } = started.job;

    const job = await stack.runtime.waitForJob(jobId, { timeoutMs: 120_000 });
    expect(job.status).toBe('completed');
    expect(job.chunksTotal).toBe(110);
    expect(await deps.jobs.getFanOutCheckpoint(jobId)).toBe(110);
    const results = await stack.results(jobId);
    expect(results.map((r) => r.custom_id)).toEqual(lines.map((l) => l.custom_id));
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    for (let i = 0; i < lines.length; i += 1) expect(stack.callsFor(sumPrompt(i, 7))).toBe(1);
    const counter = await deps.jobs.getJobProgress(jobId);
    expect(counter?.succeeded).toBe(330);
    expect(counter?.usage.total_tokens).toBe(
      results.reduce((sum, r) => sum + (r.usage?.total_tokens ?? 0), 0),
    );
  }, 150_000);
});

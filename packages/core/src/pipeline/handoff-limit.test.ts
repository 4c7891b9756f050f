import { createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { RunChunkMessage } from '../job/work-message';
import { WORKER } from '../settings';

const line = (prompt: string): string => JSON.stringify({ prompt });

describe('the hand-back chain of a work item is bounded', () => {
  it('ends the lines handoffs_exhausted after maxHandoffs hand-backs instead of looping', async () => {
    // 30 s per invocation < the 60 s reserve: no line can ever start, so every delivery hands back.
    const h = createPipelineHarness({ invocationMs: 30_000, config: { maxHandoffs: 3 } });
    const job = await h.upload('never.jsonl', [line('a'), line('b')].join('\n'));
    await h.drain();

    const handoffs = h.queue.sent
      .map((sent) => sent.message)
      .filter((message): message is RunChunkMessage => message.type === 'run_chunk')
      .map((message) => message.handoffs);
    expect(handoffs).toEqual([0, 1, 2, 3]);
    expect(h.model.calls).toHaveLength(0);
    const results = await h.results(job.jobId);
    expect(results).toHaveLength(2);
    for (const result of results)
      expect(result).toMatchObject({
        status: 'failed',
        attempts: 0,
        usage: null,
        error: { code: 'handoffs_exhausted' },
      });
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
  });

  it('defaults to WORKER.maxHandoffs, the bound infra relies on when it allows the worker’s loop', () => {
    const h = createPipelineHarness();
    expect(h.deps.config.maxHandoffs).toBe(WORKER.maxHandoffs);
  });
});

import { createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { PipelineDeps } from './pipeline-deps';
import { processWorkMessage } from './process-work-message';
import { startInvocation } from './start-invocation';

describe('runChunk: reads of its chunk', () => {
  it('settles a chunk its own last record completed without reading it again', async () => {
    const h = createPipelineHarness();
    const job = await h.upload(
      'three.jsonl',
      ['a', 'b', 'c'].map((prompt) => JSON.stringify({ prompt })).join('\n'),
    );
    const [item] = h.queue.drain();
    if (item === undefined) throw new Error('no work item');
    let chunkReads = 0;
    const deps: PipelineDeps = {
      ...h.deps,
      jobs: {
        ...h.deps.jobs,
        getChunk: (...args) => {
          chunkReads += 1;
          return h.deps.jobs.getChunk(...args);
        },
      },
    };
    const invocation = startInvocation(deps, { deadline: h.clock.now() + 900_000 });
    await processWorkMessage(deps, item.message, invocation).finally(() => invocation.close());
    // The delivery's start reads it once (what is recorded, leased); the records answer with it after.
    expect(chunkReads).toBe(1);
    await h.drain({});
    expect((await h.results(job.jobId)).map((r) => r.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect((await h.deps.jobs.getJob(job.jobId))?.chunksDone).toBe(1);
  });
});

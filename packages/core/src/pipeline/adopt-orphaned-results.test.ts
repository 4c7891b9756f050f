import { createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { JobStore } from '../ports/job-store';
import type { ObjectStore } from '../ports/object-store';
import { createLimiter } from './limiter';
import { runChunk } from './run-chunk';

const simple = (prompt: string): string => JSON.stringify({ prompt });

describe('adopting a group left by a crashed delivery', () => {
  it('records every line of the stored group object instead of paying for them again', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 5 } });
    const prompts = ['a', 'b', 'c', 'd', 'e'];
    const job = await h.upload('crash-group.jsonl', prompts.map(simple).join('\n'));
    const [item] = h.queue.drain();
    if (item === undefined || item.message.type !== 'run_chunk') throw new Error('no work item');
    // The first delivery stores its groups' objects and dies before recording any of them.
    const dead: JobStore = {
      ...h.jobs,
      recordLines: async () => {
        throw new Error('invocation killed');
      },
    };
    const deadline = h.clock.now() + 900_000;
    await expect(
      runChunk({ ...h.deps, jobs: dead }, item.message, { deadline, limiter: createLimiter(8) }),
    ).rejects.toThrow('invocation killed');
    const calls = h.model.calls.length;
    expect(calls).toBe(5);
    const stored: string[] = [];
    for await (const key of h.output.list(`jobs/${job.jobId}/lines/`)) stored.push(key);
    expect(stored.length).toBeGreaterThan(0);
    // The redelivery, once the dead one's leases ended: one listing of the chunk's objects, no call.
    h.clock.advance(1_000_000);
    let lists = 0;
    const output: ObjectStore = {
      ...h.output,
      list: (prefix) => {
        lists += 1;
        return h.output.list(prefix);
      },
    };
    await runChunk({ ...h.deps, output }, item.message, {
      deadline: h.clock.now() + 900_000,
      limiter: createLimiter(8),
    });
    await h.drain();
    expect(h.model.calls.length).toBe(calls);
    expect(lists).toBe(1);
    const results = await h.results(job.jobId);
    expect(results.map((r) => [r.line, r.status, r.answer])).toEqual(
      prompts.map((p, i) => [i + 1, 'succeeded', expect.stringContaining(p)]),
    );
    const chunk = await h.jobs.getChunk(job.jobId, 0);
    expect(chunk?.counters.succeeded).toBe(5);
    expect(chunk?.counters.attempts).toBe(5);
  });
});

import { answerEcho, createInMemoryJobStore, createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { RunChunkMessage } from '../job/work-message';
import type { JobStore } from '../ports/job-store';
import { createLimiter } from './limiter';
import { createLineClaims } from './line-claims';
import { runChunk } from './run-chunk';

const simple = (prompt: string): string => JSON.stringify({ prompt });

/** A job store that counts the calls the pipeline cares about here. */
function counted(inner: JobStore) {
  const calls = { single: 0, groups: [] as number[], getJob: 0 };
  const jobs: JobStore = {
    ...inner,
    getJob: async (...args) => {
      calls.getJob += 1;
      return inner.getJob(...args);
    },
    claimLineAttempt: async (...args) => {
      calls.single += 1;
      return inner.claimLineAttempt(...args);
    },
    claimLineAttempts: async (jobId, index, lines, claim) => {
      calls.groups.push(lines.length);
      return inner.claimLineAttempts(jobId, index, lines, claim);
    },
  };
  return { jobs, calls };
}

describe('createLineClaims', () => {
  it('claims the first line at once and the lines asked for meanwhile in one group', async () => {
    const inner = createInMemoryJobStore();
    await inner.createJob({
      jobId: 'claims-1',
      input: { bucket: 'b', key: 'inputs/x.jsonl', etag: '"e"', size: 1 },
      options: {},
      now: 0,
    });
    await inner.putChunk('claims-1', 0, [1, 2, 3, 4]);
    const { jobs, calls } = counted(inner);
    const claims = createLineClaims(jobs, 'claims-1', 0);
    const claim = { holder: 'h', now: 1_000, until: 5_000 };
    const outcomes = await Promise.all([1, 2, 3, 4].map((line) => claims.claim(line, claim)));
    expect(outcomes).toEqual([1, 2, 3, 4].map(() => ({ kind: 'claimed', attempts: 1 })));
    expect(calls.single).toBe(1);
    expect(calls.groups).toEqual([3]);
    // A line asked for twice at once goes in the next group (a group holds distinct lines).
    const again = await Promise.all([claims.claim(1, claim), claims.claim(2, claim), claims.claim(2, claim)]);
    expect(again.map((o) => (o.kind === 'claimed' ? o.attempts : o.kind))).toEqual([2, 2, 3]);
    expect((await inner.getChunk('claims-1', 0))?.attempts).toEqual({ '1': 2, '2': 3, '3': 1, '4': 1 });
  });
});

describe('a delivery of a chunk', () => {
  it('claims its lines in groups, and reads the job a few times, not per line', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 20 } });
    const prompts = Array.from({ length: 20 }, (_, i) => simple(`p${i}`));
    const job = await h.upload('claims.jsonl', prompts.join('\n'));
    const [item] = h.queue.drain();
    if (item === undefined || item.message.type !== 'run_chunk') throw new Error('no work item');
    const { jobs, calls } = counted(h.jobs);
    await runChunk({ ...h.deps, jobs }, item.message as RunChunkMessage, {
      deadline: h.clock.now() + 900_000,
      limiter: createLimiter(32),
    });
    await h.drain();
    expect((await h.results(job.jobId)).map((r) => r.status)).toEqual(prompts.map(() => 'succeeded'));
    // Once when the delivery starts, and the refusal guard's reads, shared by the lines that start
    // together: none per line for the cancel, which the claims carry.
    expect(calls.getJob).toBeLessThanOrEqual(3);
    expect(calls.single + calls.groups.length).toBeLessThan(20);
    expect(calls.single + calls.groups.reduce((a, b) => a + b, 0)).toBe(20);
  });

  it('stops every line of a delivery once a claim finds the job cancelled', async () => {
    const h = createPipelineHarness({
      behaviour: async (args) => {
        if (args.prompt === 'p0') await h.jobs.requestCancel(jobId, h.clock.now());
        return answerEcho(args);
      },
    });
    let jobId = '';
    const job = await h.upload('cancel-claims.jsonl', ['p0', 'p1', 'p2'].map(simple).join('\n'));
    jobId = job.jobId;
    const [item] = h.queue.drain();
    if (item === undefined || item.message.type !== 'run_chunk') throw new Error('no work item');
    const { jobs, calls } = counted(h.jobs);
    await runChunk({ ...h.deps, jobs }, item.message as RunChunkMessage, {
      deadline: h.clock.now() + 900_000,
      limiter: createLimiter(1),
    });
    await h.drain();
    expect((await h.results(job.jobId)).map((r) => r.status)).toEqual([
      'succeeded',
      'cancelled',
      'cancelled',
    ]);
    expect(h.model.calls).toHaveLength(1);
    expect(calls.getJob).toBeLessThanOrEqual(1 + 3); // the delivery's start and the refusal guard's
  });
});

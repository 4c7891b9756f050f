import { createPipelineHarness, makeNewJob } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../job/job';
import type { WorkMessage } from '../job/work-message';
import { readJobProgress, sumJobProgress } from './job-progress';
import { createLimiter } from './limiter';
import { processWorkMessage } from './process-work-message';

const lines = (n: number): string =>
  Array.from({ length: n }, (_, i) =>
    i % 7 === 6 ? 'not json' : JSON.stringify({ prompt: `q${i + 1}` }),
  ).join('\n');
const done = (p: JobProgress): number => p.succeeded + p.failed + p.cancelled + p.expired;

describe('job progress: the job counter', () => {
  it('never counts more than the chunks hold while the job runs, and all of it once the job is done', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 25 } });
    const job = await h.upload('progress.jsonl', lines(120));
    const seen: number[] = [];
    for (let batch = h.queue.drain(); batch.length > 0; batch = h.queue.drain()) {
      for (const { message } of batch as { message: WorkMessage }[]) {
        await processWorkMessage(h.deps, message, {
          deadline: h.clock.now() + 900_000,
          limiter: createLimiter(4),
        });
        const counter = await h.jobs.getJobProgress(job.jobId);
        if (counter === null) throw new Error('the job has no counter');
        const sum = await sumJobProgress(h.jobs, job.jobId);
        expect(done(counter)).toBeLessThanOrEqual(done(sum));
        expect(counter.usage.total_tokens).toBeLessThanOrEqual(sum.usage.total_tokens);
        seen.push(done(counter));
      }
    }
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
    const final = await readJobProgress(h.jobs, job.jobId);
    expect(final).toEqual(await sumJobProgress(h.jobs, job.jobId));
    expect(done(final)).toBe(120);
    expect(final.failed).toBe(17);
    expect(seen.some((n) => n > 0 && n < 120)).toBe(true);
  });

  it('reads a job from before the counter as the sum of its chunks', async () => {
    const h = createPipelineHarness();
    const jobId = 'job-without-counter';
    await h.jobs.createJob(makeNewJob(jobId));
    await h.jobs.putChunk(jobId, 0, [1, 2]);
    await h.jobs.recordLine(jobId, 0, {
      line: 1,
      status: 'failed',
      resultKey: 'k',
      usage: null,
      attempts: 2,
    });
    expect(await h.jobs.getJobProgress(jobId)).toBeNull();
    expect(await readJobProgress(h.jobs, jobId)).toEqual(await sumJobProgress(h.jobs, jobId));
    expect((await readJobProgress(h.jobs, jobId)).failed).toBe(1);
  });
});

import { createPipelineHarness, type PipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { jobIdForUpload } from '../job/job-id';
import type { WorkQueue } from '../ports/work-queue';
import { WorkQueueError } from '../ports/work-queue';
import { sweepStalledJobs } from './sweep-stalled-jobs';

const simple = (prompt: string): string => JSON.stringify({ prompt });
const MINUTE = 60_000;
/** The harness's settings: a fan-out is stalled after 20 min, all-done jobs get a new request after 15. */
const config = {
  fanOutStalledAfterMs: 20 * MINUTE,
  maxFanOutResumes: 2,
  finalizeStalledAfterMs: 15 * MINUTE,
};

/**
 * A job whose fan-out died after creating it (the Lambda timed out and its event was lost): the input
 * is uploaded and the job exists, `validating`, with nothing fanned out.
 */
async function abandonedFanOut(h: PipelineHarness, name: string, lines: readonly string[]): Promise<string> {
  const key = `inputs/${name}`;
  await h.input.put(key, lines.join('\n'));
  const info = await h.input.head(key);
  const jobId = jobIdForUpload({ bucket: 'input-bucket', key, identity: `seq-${name}` });
  await h.jobs.createJob({
    jobId,
    input: { bucket: 'input-bucket', key, etag: info?.etag ?? '', size: info?.size ?? 0 },
    options: {},
    now: h.clock.now(),
  });
  return jobId;
}

describe('sweepStalledJobs', () => {
  it('resumes a fan-out that stopped making progress, and the job then finishes', async () => {
    const h = createPipelineHarness({ config });
    const jobId = await abandonedFanOut(h, 'lost.jsonl', [simple('a'), simple('b'), '{broken', simple('d')]);
    h.clock.advance(19 * MINUTE);
    expect(await sweepStalledJobs(h.deps, h.clock.now())).toMatchObject({ seen: 1, resumed: [] });
    expect(h.queue.sent).toHaveLength(0);

    h.clock.advance(2 * MINUTE);
    expect(await sweepStalledJobs(h.deps, h.clock.now())).toMatchObject({ resumed: [jobId], failed: [] });
    expect(await h.jobs.getJob(jobId)).toMatchObject({ status: 'queued', chunksTotal: 2, fanOutResumes: 1 });
    await h.drain();
    expect((await h.jobs.getJob(jobId))?.status).toBe('completed');
    expect((await h.results(jobId)).map((r) => r.status)).toEqual([
      'succeeded',
      'succeeded',
      'failed',
      'succeeded',
    ]);
    expect(await sweepStalledJobs(h.deps, h.clock.now())).toMatchObject({ seen: 0 });
  });

  it('resumes a stalled fan-out a bounded number of times, then fails the job with fan_out_stalled', async () => {
    const h = createPipelineHarness({ config });
    const jobId = await abandonedFanOut(h, 'stuck.jsonl', [simple('a'), '{broken']);
    let sends = 0;
    const down: WorkQueue = {
      send: async () => {
        sends += 1;
        throw new WorkQueueError('SendMessageBatch failed: ServiceUnavailable');
      },
    };
    const deps = { ...h.deps, queue: down };
    for (const resume of [1, 2]) {
      h.clock.advance(21 * MINUTE);
      const report = await sweepStalledJobs(deps, h.clock.now());
      expect(report).toMatchObject({ resumed: [jobId], failed: [] });
      expect(report.errors.map((e) => e.jobId)).toEqual([jobId]);
      expect(await h.jobs.getJob(jobId)).toMatchObject({ status: 'validating', fanOutResumes: resume });
    }
    h.clock.advance(10 * MINUTE); // not stalled again yet: the last resume was progress
    expect(await sweepStalledJobs(deps, h.clock.now())).toMatchObject({ resumed: [], failed: [] });
    h.clock.advance(11 * MINUTE);
    expect(await sweepStalledJobs(deps, h.clock.now())).toMatchObject({ resumed: [], failed: [jobId] });
    expect(sends).toBe(2);
    const job = await h.jobs.getJob(jobId);
    expect(job).toMatchObject({ status: 'failed', error: { code: 'fan_out_stalled' } });
    expect(job?.error?.message).toBe(
      'fan-out of s3://input-bucket/inputs/stuck.jsonl made no progress for 20 min, even after 2 resumes',
    );
    expect((await h.results(jobId)).map((r) => r.error?.code)).toEqual(['invalid_json']);
    expect(await sweepStalledJobs(deps, h.clock.now())).toMatchObject({ seen: 0 });
  });

  it('requests finalize again for a job whose chunks are all done but whose request was lost', async () => {
    const h = createPipelineHarness({ config });
    const job = await h.upload('lost-finalize.jsonl', [simple('a'), simple('b')].join('\n'));
    await h
      .drain({
        beforeEach: (message) => {
          if (message.type === 'finalize_job') throw new Error('the finalize request is lost');
        },
      })
      .catch(() => {});
    expect(await h.jobs.getJob(job.jobId)).toMatchObject({
      status: 'running',
      chunksDone: 1,
      chunksTotal: 1,
    });
    h.clock.advance(14 * MINUTE);
    expect(await sweepStalledJobs(h.deps, h.clock.now())).toMatchObject({ finalizeRequested: [] });
    h.clock.advance(2 * MINUTE);
    expect(await sweepStalledJobs(h.deps, h.clock.now())).toMatchObject({ finalizeRequested: [job.jobId] });
    await h.drain();
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
    expect(await h.results(job.jobId)).toHaveLength(2);
  });

  it('requests finalize again once a dead finalizer’s lease has expired, not before', async () => {
    const h = createPipelineHarness({ config: { ...config, finalizeLeaseMs: 10 * MINUTE } });
    const job = await h.upload('dead-finalizer.jsonl', simple('a'));
    await h
      .drain({
        beforeEach: async (message) => {
          if (message.type !== 'finalize_job') return;
          // The finalizer takes the lease and dies before writing anything.
          await h.jobs.claimFinalize(message.jobId, { now: h.clock.now(), leaseMs: 10 * MINUTE });
          throw new Error('finalizer crashed');
        },
      })
      .catch(() => {});
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('finalizing');
    h.clock.advance(9 * MINUTE);
    expect(await sweepStalledJobs(h.deps, h.clock.now())).toMatchObject({ finalizeRequested: [] });
    h.clock.advance(MINUTE);
    expect(await sweepStalledJobs(h.deps, h.clock.now())).toMatchObject({ finalizeRequested: [job.jobId] });
    await h.drain();
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
  });

  it('leaves jobs that make progress alone: fresh fan-outs, chunks in flight, and finished jobs', async () => {
    const h = createPipelineHarness({ config });
    const fresh = await abandonedFanOut(h, 'fresh.jsonl', [simple('a')]);
    const inFlight = await h.upload(
      'in-flight.jsonl',
      [simple('a'), simple('b'), simple('c'), simple('d')].join('\n'),
    );
    h.queue.drain(); // its work items are being run elsewhere
    const done = await h.upload('done.jsonl', simple('z'));
    await h.drain();
    h.clock.advance(10 * MINUTE);
    const report = await sweepStalledJobs(h.deps, h.clock.now());
    expect(report).toMatchObject({ resumed: [], failed: [], finalizeRequested: [], errors: [] });
    expect((await h.jobs.getJob(fresh))?.status).toBe('validating');
    expect((await h.jobs.getJob(done.jobId))?.status).toBe('completed');
    h.clock.advance(60 * MINUTE);
    expect((await sweepStalledJobs(h.deps, h.clock.now())).finalizeRequested).not.toContain(inFlight.jobId);
  });
});

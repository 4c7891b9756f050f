import type { JobStore } from '@thinkbatch/core';
import { JobStoreError } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { makeNewJob, uniqueJobId } from './job-store-fixtures';

/** The unfinished jobs among `ids` (the store may hold other tests' jobs too). */
async function unfinishedAmong(store: JobStore, ids: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for await (const job of store.listUnfinishedJobs()) if (ids.includes(job.jobId)) found.push(job.jobId);
  return found.sort();
}

/** What the sweeper needs of the JobStore: listing unfinished jobs, and a bounded claim to resume a fan-out. */
export function describeSweepContract(store: () => JobStore): void {
  describe('sweeper support', () => {
    it('lists every job that is not terminal, whatever its status, and none that ended', async () => {
      const ids = {
        validating: uniqueJobId('open-validating'),
        running: uniqueJobId('open-running'),
        finalizing: uniqueJobId('open-finalizing'),
        completed: uniqueJobId('done-completed'),
        failed: uniqueJobId('done-failed'),
      };
      for (const id of Object.values(ids)) await store().createJob(makeNewJob(id));
      await store().transitionJob(ids.running, { from: ['validating'], to: 'running', now: 2_000 });
      await store().finishFanout(ids.finalizing, { chunksTotal: 0, linesTotal: 0, now: 2_000 });
      expect(await store().claimFinalize(ids.finalizing, { now: 2_000, leaseMs: 1_000 })).not.toBeNull();
      await store().transitionJob(ids.completed, { from: ['validating'], to: 'completed', now: 2_000 });
      await store().transitionJob(ids.failed, {
        from: ['validating'],
        to: 'failed',
        now: 2_000,
        error: { code: 'x', message: 'y' },
      });
      const all = Object.values(ids);
      expect(await unfinishedAmong(store(), all)).toEqual(
        [ids.validating, ids.running, ids.finalizing].sort(),
      );

      // A non-terminal transition keeps the job listed; the first terminal one removes it, for good.
      await store().transitionJob(ids.validating, { from: ['validating'], to: 'validating', now: 3_000 });
      await store().transitionJob(ids.finalizing, { from: ['finalizing'], to: 'completed', now: 3_000 });
      expect(await unfinishedAmong(store(), all)).toEqual([ids.validating, ids.running].sort());
      const listed: string[] = [];
      for await (const job of store().listUnfinishedJobs())
        if (job.jobId === ids.running) listed.push(job.status);
      expect(listed).toEqual(['running']);
    });

    it('grants a fan-out resume only to a stalled, unfinished fan-out, and at most maxResumes times', async () => {
      const jobId = uniqueJobId('resume');
      await store().createJob(makeNewJob(jobId, 1_000));
      const claim = (now: number, stalledBefore: number) =>
        store().claimFanOutResume(jobId, { now, stalledBefore, maxResumes: 2 });
      expect(await claim(5_000, 999)).toBeNull(); // changed since the cut-off: not stalled
      expect(await claim(5_000, 1_000)).toMatchObject({
        fanOutResumes: 1,
        updatedAt: 5_000,
        status: 'validating',
      });
      expect(await claim(6_000, 4_999)).toBeNull(); // the grant itself counts as a change
      const racers = await Promise.all(Array.from({ length: 6 }, () => claim(9_000, 8_000)));
      expect(racers.filter((r) => r !== null)).toEqual([expect.objectContaining({ fanOutResumes: 2 })]);
      expect(await claim(20_000, 19_000)).toBeNull(); // the bound
      expect((await store().getJob(jobId))?.fanOutResumes).toBe(2);
    });

    it('grants no fan-out resume once fan-out finished or the job ended, and throws for a missing job', async () => {
      const finished = uniqueJobId('resume-finished');
      await store().createJob(makeNewJob(finished, 1_000));
      await store().finishFanout(finished, { chunksTotal: 1, linesTotal: 1, now: 1_000 });
      expect(
        await store().claimFanOutResume(finished, { now: 9_000, stalledBefore: 8_000, maxResumes: 5 }),
      ).toBeNull();
      const ended = uniqueJobId('resume-ended');
      await store().createJob(makeNewJob(ended, 1_000));
      await store().transitionJob(ended, { from: ['validating'], to: 'failed', now: 1_000 });
      expect(
        await store().claimFanOutResume(ended, { now: 9_000, stalledBefore: 8_000, maxResumes: 5 }),
      ).toBeNull();
      const missing = store().claimFanOutResume(uniqueJobId('resume-missing'), {
        now: 9_000,
        stalledBefore: 8_000,
        maxResumes: 5,
      });
      await expect(missing).rejects.toBeInstanceOf(JobStoreError);
    });
  });
}

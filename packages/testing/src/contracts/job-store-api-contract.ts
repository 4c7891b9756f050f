import type { JobListQuery, JobRecord, JobStore, NewJob } from '@thinkbatch/core';
import {
  AWAITING_UPLOAD_ETAG,
  addChunkCounters,
  ErrorCode,
  emptyChunkCounters,
  JobStoreError,
  jobListPosition,
  lineCounterDelta,
} from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { makeLineRecord, makeLineUsage, makeNewJob, uniqueJobId } from './job-store-fixtures';
import { expectRejection } from './rejections';

/**
 * Creation times far above every other test's (stores may be shared), one band per test, so a list that
 * starts just above a band sees that test's jobs first.
 */
function timeBand(): { readonly at: (offset: number) => number; readonly top: string } {
  const base = 8_000_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1_000_000;
  return { at: (offset) => base + offset, top: jobListPosition({ createdAt: base + 999_999, jobId: '' }) };
}

/** Every job id of the list `query` asks for, page by page, until `want` ids were seen or the list ended. */
async function collect(store: JobStore, query: JobListQuery, want: number): Promise<string[]> {
  const ids: string[] = [];
  let after = query.after;
  for (;;) {
    const page = await store.listJobs({ ...query, ...(after === undefined ? {} : { after }) });
    expect(page.jobs.length).toBeLessThanOrEqual(query.limit);
    ids.push(...page.jobs.map((job) => job.jobId));
    if (page.next === null || ids.length >= want) return ids;
    after = page.next;
  }
}

/** A job awaiting its upload, as the API creates it. */
function awaitingJob(jobId: string, now = 1_000): NewJob {
  const job = makeNewJob(jobId, now);
  return { ...job, input: { ...job.input, etag: AWAITING_UPLOAD_ETAG, size: 0 } };
}

/** What the API needs of the JobStore: jobs with their submitter's extras, pinned uploads, lists, settled counters. */
export function describeApiContract(store: () => JobStore): void {
  describe('API support', () => {
    it('keeps the submitter’s metadata, the parent of a retry and the request fingerprint', async () => {
      const jobId = uniqueJobId('extras');
      const submission = {
        ...makeNewJob(jobId),
        metadata: { team: 'search', 'run-id': 'ünï' },
        parentJobId: 'parent-1',
        requestFingerprint: 'sha256:abc',
      };
      const { job } = await store().createJob(submission);
      expect(job).toMatchObject({ metadata: submission.metadata, parentJobId: 'parent-1' });
      expect(await store().getJob(jobId)).toEqual(job);
      expect(job.requestFingerprint).toBe('sha256:abc');
    });

    it('pins the input of a job awaiting its upload once; the first upload wins', async () => {
      const jobId = uniqueJobId('pin');
      await store().createJob(awaitingJob(jobId));
      const pins = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          store().pinInput(jobId, { etag: `"e${i}"`, size: 10 + i, now: 2_000 }),
        ),
      );
      const granted = pins.filter((pin): pin is JobRecord => pin !== null);
      expect(granted).toHaveLength(1);
      const pinned = await store().getJob(jobId);
      expect(pinned?.input).toEqual(granted[0]?.input);
      expect(pinned).toMatchObject({ updatedAt: 2_000, status: 'validating' });
      expect(pinned?.input.etag).not.toBe(AWAITING_UPLOAD_ETAG);
      expect(await store().pinInput(jobId, { etag: '"late"', size: 1, now: 3_000 })).toBeNull();

      const uploaded = uniqueJobId('pin-uploaded');
      await store().createJob(makeNewJob(uploaded));
      expect(await store().pinInput(uploaded, { etag: '"other"', size: 1, now: 3_000 })).toBeNull();
      expect((await store().getJob(uploaded))?.input.etag).toBe(makeNewJob(uploaded).input.etag);
      await expectRejection(
        store().pinInput(uniqueJobId('pin-missing'), { etag: '"e"', size: 1, now: 1 }),
        JobStoreError,
        ErrorCode.notFound,
      );
    });

    it('adds each complete chunk’s counters to the job’s settled counters, once', async () => {
      const jobId = uniqueJobId('settled');
      await store().createJob(makeNewJob(jobId));
      await store().putChunk(jobId, 0, [1, 2]);
      await store().putChunk(jobId, 1, [3]);
      const records = [
        makeLineRecord(jobId, 1, { usage: makeLineUsage({ reasoning_tokens: null }) }),
        makeLineRecord(jobId, 2, { status: 'failed', attempts: 3, usage: null }),
        makeLineRecord(jobId, 3),
      ];
      for (const [i, record] of records.entries()) await store().recordLine(jobId, i < 2 ? 0 : 1, record);
      expect((await store().getJob(jobId))?.settled).toEqual(emptyChunkCounters());
      await Promise.all(Array.from({ length: 5 }, () => store().completeChunk(jobId, 0, 2_000)));
      const first = records.slice(0, 2).map(lineCounterDelta).reduce(addChunkCounters, emptyChunkCounters());
      expect((await store().getJob(jobId))?.settled).toEqual(first);
      const done = await store().completeChunk(jobId, 1, 3_000);
      expect(done.settled).toEqual(
        records.map(lineCounterDelta).reduce(addChunkCounters, emptyChunkCounters()),
      );
      expect(done.settled).toMatchObject({ succeeded: 2, failed: 1, attempts: 5, retries: 2 });
    });

    describe('job lists', () => {
      it('lists every job newest first, across pages, without overlaps or gaps', async () => {
        const band = timeBand();
        const ids: string[] = [];
        for (let i = 0; i < 7; i += 1) {
          const jobId = uniqueJobId(`list-${i}`);
          ids.push(jobId);
          await store().createJob(makeNewJob(jobId, band.at(i * 10)));
        }
        await store().transitionJob(ids[2] ?? '', { from: ['validating'], to: 'running', now: band.at(90) });
        await store().transitionJob(ids[4] ?? '', { from: ['validating'], to: 'failed', now: band.at(90) });
        const listed = await collect(store(), { limit: 3, after: band.top }, ids.length);
        expect(listed.slice(0, ids.length)).toEqual([...ids].reverse());
        const first = await store().listJobs({ limit: 2, after: band.top });
        expect(first.next).toBe(jobListPosition({ createdAt: band.at(50), jobId: ids[5] ?? '' }));
        expect(first.jobs[0]).toEqual(await store().getJob(ids[6] ?? ''));
      });

      it('breaks ties of creation time by job id, and pages through them', async () => {
        const band = timeBand();
        const ids = ['b', 'a', 'd', 'c'].map((label) => `${label}-tie-${globalThis.crypto.randomUUID()}`);
        for (const jobId of ids) await store().createJob(makeNewJob(jobId, band.at(5)));
        const listed = await collect(store(), { limit: 1, after: band.top }, ids.length);
        expect(listed.slice(0, ids.length)).toEqual([...ids].sort().reverse());
      });

      it('lists one status only, following the job as its status changes', async () => {
        const band = timeBand();
        const queued = uniqueJobId('status-queued');
        const running = [uniqueJobId('status-r1'), uniqueJobId('status-r2'), uniqueJobId('status-r3')];
        await store().createJob(makeNewJob(queued, band.at(1)));
        for (const [i, jobId] of running.entries()) {
          await store().createJob(makeNewJob(jobId, band.at(10 + i)));
          await store().transitionJob(jobId, { from: ['validating'], to: 'running', now: band.at(20) });
        }
        const runningIds = await collect(store(), { status: 'running', limit: 2, after: band.top }, 3);
        expect(runningIds.slice(0, 3)).toEqual([...running].reverse());
        await store().transitionJob(running[1] ?? '', {
          from: ['running'],
          to: 'completed',
          now: band.at(30),
        });
        const still = await collect(store(), { status: 'running', limit: 5, after: band.top }, 2);
        expect(still.slice(0, 2)).toEqual([running[2], running[0]]);
        const completed = await store().listJobs({ status: 'completed', limit: 1, after: band.top });
        expect(completed.jobs.map((job) => job.jobId)).toEqual([running[1]]);
        expect(completed.jobs[0]?.status).toBe('completed');
        const validating = await store().listJobs({ status: 'validating', limit: 1, after: band.top });
        expect(validating.jobs.map((job) => job.jobId)).toEqual([queued]);
      });

      it('lists the jobs of one input key (a re-uploaded file has several), with or without a status', async () => {
        const key = `inputs/${uniqueJobId('key')}.jsonl`;
        const ofKey = (jobId: string, now: number): NewJob => {
          const job = makeNewJob(jobId, now);
          return { ...job, input: { ...job.input, key } };
        };
        const ids = [uniqueJobId('key-1'), uniqueJobId('key-2'), uniqueJobId('key-3')];
        for (const [i, jobId] of ids.entries()) await store().createJob(ofKey(jobId, 1_000 + i));
        await store().createJob(makeNewJob(uniqueJobId('key-other'), 5_000));
        await store().transitionJob(ids[1] ?? '', { from: ['validating'], to: 'cancelled', now: 2_000 });
        const all = await collect(store(), { inputKey: key, limit: 2 }, 10);
        expect(all).toEqual([...ids].reverse());
        const page = await store().listJobs({ inputKey: key, limit: 3 });
        expect(page.next).toBeNull();
        const cancelled = await store().listJobs({ inputKey: key, status: 'cancelled', limit: 5 });
        expect(cancelled.jobs.map((job) => job.jobId)).toEqual([ids[1]]);
        const none = await store().listJobs({ inputKey: `inputs/${uniqueJobId('nothing')}.jsonl`, limit: 5 });
        expect(none).toEqual({ jobs: [], next: null });
      });
    });
  });
}

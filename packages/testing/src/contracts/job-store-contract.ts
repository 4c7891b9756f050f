import type { JobRecord, JobStore } from '@thinkbatch/core';
import { ErrorCode, emptyChunkCounters, JobStoreError } from '@thinkbatch/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeApiContract } from './job-store-api-contract';
import { describeChunkContract } from './job-store-chunk-contract';
import { describeLineClaimContract } from './job-store-claim-contract';
import { describeClaimIdContract } from './job-store-claim-id-contract';
import { makeNewJob, uniqueJobId } from './job-store-fixtures';
import { describeGroupClaimContract } from './job-store-group-claim-contract';
import { describeLineModelContract } from './job-store-model-contract';
import { describeJobProgressContract } from './job-store-progress-contract';
import { describeSweepContract } from './job-store-sweep-contract';
import { expectRejection } from './rejections';

/** A job store for one test (it may be shared: every test uses its own job ids), and its cleanup. */
export interface JobStoreContractSubject {
  readonly store: JobStore;
  readonly cleanup?: () => Promise<void>;
}

/** The store of the current test. */
export type JobStoreProvider = () => JobStore;

/** Create a job whose chunks are all complete and counted, ready to finalize. */
async function readyJob(store: JobStore, chunks: number, now = 2_000): Promise<string> {
  const jobId = uniqueJobId('ready');
  await store.createJob(makeNewJob(jobId));
  for (let index = 0; index < chunks; index += 1) {
    await store.putChunk(jobId, index, [index + 1]);
    await store.recordLine(jobId, index, {
      line: index + 1,
      status: 'succeeded',
      resultKey: 'k',
      usage: null,
      attempts: 1,
    });
    await store.completeChunk(jobId, index, now);
  }
  await store.finishFanout(jobId, { chunksTotal: chunks, linesTotal: chunks, now });
  return jobId;
}

/**
 * The JobStore contract: every implementation (in-memory fake, DynamoDB adapter on an emulator) must pass
 * it, including exactly-once accounting under concurrent duplicate calls.
 */
export function describeJobStoreContract(name: string, make: () => Promise<JobStoreContractSubject>): void {
  describe(`JobStore contract: ${name}`, () => {
    let subject: JobStoreContractSubject | undefined;
    const store: JobStoreProvider = () => {
      if (subject === undefined) throw new Error('make did not run');
      return subject.store;
    };
    beforeEach(async () => {
      subject = await make();
    });
    afterEach(async () => {
      await subject?.cleanup?.();
      subject = undefined;
    });

    describe('jobs', () => {
      it('creates a job in validating with empty progress, once', async () => {
        const jobId = uniqueJobId('create');
        const first = await store().createJob(makeNewJob(jobId, 1_000));
        const expected: JobRecord = {
          jobId,
          status: 'validating',
          input: makeNewJob(jobId).input,
          options: makeNewJob(jobId).options,
          createdAt: 1_000,
          updatedAt: 1_000,
          chunksTotal: null,
          linesTotal: null,
          chunksDone: 0,
          finalizeLeaseUntil: null,
          fanOutResumes: 0,
          cancelRequested: false,
          error: null,
          outputs: null,
          startedAt: null,
          finishedAt: null,
          settled: emptyChunkCounters(),
          metadata: {},
          parentJobId: null,
          requestFingerprint: null,
        };
        expect(first).toEqual({ created: true, job: expected });
        expect(await store().getJob(jobId)).toEqual(expected);
        const again = await store().createJob({ ...makeNewJob(jobId, 5_000), options: { temperature: 0.1 } });
        expect(again).toEqual({ created: false, job: expected });
      });

      it('creates a job once under concurrent duplicate creates', async () => {
        const jobId = uniqueJobId('create-race');
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store().createJob(makeNewJob(jobId, 1_000 + i))),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        const createdAt = results.find((r) => r.created)?.job.createdAt;
        for (const result of results) expect(result.job.createdAt).toBe(createdAt);
      });

      it('returns null for a missing job and throws JobStoreError when mutating one', async () => {
        const jobId = uniqueJobId('missing');
        expect(await store().getJob(jobId)).toBeNull();
        const notFound = (promise: Promise<unknown>) =>
          expectRejection(promise, JobStoreError, ErrorCode.notFound);
        await notFound(store().transitionJob(jobId, { from: ['queued'], to: 'running', now: 1 }));
        await notFound(store().requestCancel(jobId, 1));
        await notFound(store().putChunk(jobId, 0, [1]));
        await notFound(store().finishFanout(jobId, { chunksTotal: 1, linesTotal: 1, now: 1 }));
        await notFound(store().claimFinalize(jobId, { now: 1, leaseMs: 1 }));
        await notFound(store().completeChunk(jobId, 0, 1));
      });

      it('transitions only from the allowed statuses', async () => {
        const jobId = uniqueJobId('transition');
        await store().createJob(makeNewJob(jobId));
        expect(
          await store().transitionJob(jobId, { from: ['queued', 'running'], to: 'running', now: 2_000 }),
        ).toBeNull();
        expect(await store().transitionJob(jobId, { from: [], to: 'running', now: 2_000 })).toBeNull();
        expect((await store().getJob(jobId))?.status).toBe('validating');
        const queued = await store().transitionJob(jobId, { from: ['validating'], to: 'queued', now: 2_500 });
        expect(queued).toMatchObject({
          status: 'queued',
          updatedAt: 2_500,
          startedAt: null,
          finishedAt: null,
        });
      });

      it('sets startedAt on the first move to running only, and finishedAt, error and outputs at the end', async () => {
        const jobId = uniqueJobId('lifecycle');
        await store().createJob(makeNewJob(jobId));
        await store().transitionJob(jobId, { from: ['validating'], to: 'queued', now: 2_000 });
        const running = await store().transitionJob(jobId, { from: ['queued'], to: 'running', now: 3_000 });
        expect(running).toMatchObject({ status: 'running', startedAt: 3_000, updatedAt: 3_000 });
        const again = await store().transitionJob(jobId, { from: ['running'], to: 'running', now: 4_000 });
        expect(again).toMatchObject({ startedAt: 3_000, updatedAt: 4_000, finishedAt: null });
        const outputs = { results: 'r.jsonl', errors: 'e.jsonl', summary: 's.json', openaiBatch: null };
        const done = await store().transitionJob(jobId, {
          from: ['running'],
          to: 'completed',
          now: 5_000,
          outputs,
        });
        expect(done).toMatchObject({ status: 'completed', finishedAt: 5_000, outputs, error: null });
        const failedId = uniqueJobId('failed');
        await store().createJob(makeNewJob(failedId));
        const error = { code: 'input_unreadable', message: 'no such key' };
        const failed = await store().transitionJob(failedId, {
          from: ['validating'],
          to: 'failed',
          now: 6_000,
          error,
        });
        expect(failed).toMatchObject({ status: 'failed', error, finishedAt: 6_000, startedAt: null });
        expect(await store().getJob(failedId)).toEqual(failed);
      });

      it('lets exactly one of concurrent identical transitions win', async () => {
        const jobId = uniqueJobId('transition-race');
        await store().createJob(makeNewJob(jobId));
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store().transitionJob(jobId, { from: ['validating'], to: 'failed', now: 7_000 + i }),
          ),
        );
        expect(results.filter((r) => r !== null)).toHaveLength(1);
      });

      it('records a cancel request on a live job, not on a finished one', async () => {
        const jobId = uniqueJobId('cancel');
        await store().createJob(makeNewJob(jobId));
        expect(await store().requestCancel(jobId, 3_000)).toMatchObject({
          cancelRequested: true,
          updatedAt: 3_000,
          status: 'validating',
        });
        expect((await store().getJob(jobId))?.cancelRequested).toBe(true);
        const doneId = uniqueJobId('cancel-done');
        await store().createJob(makeNewJob(doneId));
        await store().transitionJob(doneId, { from: ['validating'], to: 'cancelled', now: 2_000 });
        expect(await store().requestCancel(doneId, 3_000)).toBeNull();
        expect((await store().getJob(doneId))?.cancelRequested).toBe(false);
      });

      it('finishes fan-out: totals set, validating → queued, other statuses kept', async () => {
        const jobId = uniqueJobId('fanout');
        await store().createJob(makeNewJob(jobId));
        const queued = await store().finishFanout(jobId, { chunksTotal: 3, linesTotal: 120, now: 2_000 });
        expect(queued).toMatchObject({ status: 'queued', chunksTotal: 3, linesTotal: 120, updatedAt: 2_000 });
        await store().transitionJob(jobId, { from: ['queued'], to: 'running', now: 3_000 });
        const rerun = await store().finishFanout(jobId, { chunksTotal: 3, linesTotal: 120, now: 4_000 });
        expect(rerun).toMatchObject({ status: 'running', chunksTotal: 3, updatedAt: 4_000 });
        expect(await store().getJob(jobId)).toEqual(rerun);
      });
    });

    describe('finalize claims', () => {
      it('grants nothing before fan-out finished or while chunks are open', async () => {
        const jobId = uniqueJobId('claim-early');
        await store().createJob(makeNewJob(jobId));
        expect(await store().claimFinalize(jobId, { now: 2_000, leaseMs: 1_000 })).toBeNull();
        await store().putChunk(jobId, 0, [1]);
        await store().putChunk(jobId, 1, [2]);
        await store().recordLine(jobId, 0, {
          line: 1,
          status: 'failed',
          resultKey: 'k',
          usage: null,
          attempts: 2,
        });
        await store().completeChunk(jobId, 0, 2_000);
        await store().finishFanout(jobId, { chunksTotal: 2, linesTotal: 2, now: 2_000 });
        expect(await store().claimFinalize(jobId, { now: 3_000, leaseMs: 1_000 })).toBeNull();
        expect((await store().getJob(jobId))?.status).toBe('queued');
        await store().recordLine(jobId, 1, {
          line: 2,
          status: 'succeeded',
          resultKey: 'k',
          usage: null,
          attempts: 1,
        });
        await store().completeChunk(jobId, 1, 3_500);
        expect(await store().claimFinalize(jobId, { now: 4_000, leaseMs: 1_000 })).toMatchObject({
          status: 'finalizing',
          finalizeLeaseUntil: 5_000,
          chunksDone: 2,
        });
      });

      it('grants a job with no chunks at all once fan-out finished', async () => {
        const jobId = await readyJob(store(), 0);
        expect(await store().claimFinalize(jobId, { now: 3_000, leaseMs: 500 })).toMatchObject({
          status: 'finalizing',
        });
      });

      it('grants exactly one of many concurrent claimers', async () => {
        const jobId = await readyJob(store(), 3);
        const claims = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            store().claimFinalize(jobId, { now: 3_000 + i, leaseMs: 60_000 }),
          ),
        );
        const granted = claims.filter((claim) => claim !== null);
        expect(granted).toHaveLength(1);
        expect(await store().getJob(jobId)).toEqual(granted[0]);
      });

      it('lets another finalizer take over only after the lease expired', async () => {
        const jobId = await readyJob(store(), 2);
        await store().transitionJob(jobId, { from: ['queued'], to: 'running', now: 2_500 });
        expect(await store().claimFinalize(jobId, { now: 3_000, leaseMs: 1_000 })).toMatchObject({
          finalizeLeaseUntil: 4_000,
        });
        expect(await store().claimFinalize(jobId, { now: 3_999, leaseMs: 1_000 })).toBeNull();
        const takeover = await store().claimFinalize(jobId, { now: 4_000, leaseMs: 2_000 });
        expect(takeover).toMatchObject({ status: 'finalizing', finalizeLeaseUntil: 6_000, updatedAt: 4_000 });
        const racers = await Promise.all(
          Array.from({ length: 8 }, () => store().claimFinalize(jobId, { now: 10_000, leaseMs: 2_000 })),
        );
        expect(racers.filter((claim) => claim !== null)).toHaveLength(1);
      });

      it('grants nothing on a finished or validating job', async () => {
        const jobId = await readyJob(store(), 1);
        await store().transitionJob(jobId, { from: ['queued'], to: 'completed', now: 3_000 });
        expect(await store().claimFinalize(jobId, { now: 9_000, leaseMs: 1_000 })).toBeNull();
        const validating = uniqueJobId('claim-validating');
        await store().createJob(makeNewJob(validating));
        expect(await store().claimFinalize(validating, { now: 9_000, leaseMs: 1_000 })).toBeNull();
      });
    });

    describeChunkContract(store);
    describeLineClaimContract(store);
    describeGroupClaimContract(store);
    describeClaimIdContract(store);
    describeLineModelContract(store);
    describeSweepContract(store);
    describeJobProgressContract(store);
    describeApiContract(store);
  });
}

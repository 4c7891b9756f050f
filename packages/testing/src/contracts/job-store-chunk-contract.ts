import type { ChunkRecord, JobStore } from '@thinkbatch/core';
import {
  addUsage,
  ErrorCode,
  emptyChunkCounters,
  emptyUsageTotals,
  JobStoreError,
  ThinkbatchError,
} from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { unknownLineUsage } from '../arbitraries';
import { jobWithChunk, makeLineRecord, makeLineUsage, makeNewJob, uniqueJobId } from './job-store-fixtures';
import { expectRejection } from './rejections';

/** Chunk part of the JobStore contract: creation, exactly-once line records, chunk completion, listing. */
export function describeChunkContract(store: () => JobStore): void {
  describe('chunks', () => {
    it('creates a chunk once, empty, and reads it back', async () => {
      const jobId = uniqueJobId('chunk');
      await store().createJob(makeNewJob(jobId));
      const expected: ChunkRecord = {
        jobId,
        index: 3,
        lines: [7, 8, 10],
        recorded: {},
        attempts: {},
        leases: {},
        counters: emptyChunkCounters(),
        enqueued: false,
      };
      expect(await store().putChunk(jobId, 3, [7, 8, 10])).toEqual({ created: true, chunk: expected });
      expect(await store().putChunk(jobId, 3, [99])).toEqual({ created: false, chunk: expected });
      expect(await store().getChunk(jobId, 3)).toEqual(expected);
      expect(await store().getChunk(jobId, 4)).toBeNull();
    });

    it('records several lines in one call (a group commit), each counted once', async () => {
      const jobId = await jobWithChunk(store(), [1, 2, 3, 4], 'group');
      const records = [1, 2, 4].map((line) => makeLineRecord(jobId, line, { attempts: line }));
      const { recorded, chunk } = await store().recordLines(jobId, 0, records);
      expect(recorded).toEqual([true, true, true]);
      expect(Object.keys(chunk.recorded).sort()).toEqual(['1', '2', '4']);
      expect(chunk.recorded['4']).toEqual({ status: 'succeeded', resultKey: records[2]?.resultKey });
      expect(chunk.counters.succeeded).toBe(3);
      expect(chunk.counters.attempts).toBe(7);
      expect(chunk.counters.retries).toBe(4);
      const usage = [0, 1, 2].reduce((sum) => addUsage(sum, makeLineUsage()), emptyUsageTotals());
      expect(chunk.counters.usage).toEqual(usage);
      expect(await store().getChunk(jobId, 0)).toEqual(chunk);
    });

    it('a group with a line recorded already records the others; the earlier record wins', async () => {
      const jobId = await jobWithChunk(store(), [1, 2, 3], 'group-conflict');
      const first = makeLineRecord(jobId, 2, { attempts: 5 });
      await store().recordLine(jobId, 0, first);
      const records = [1, 2, 3].map((line) => makeLineRecord(jobId, line, { status: 'failed' }));
      const { recorded, chunk } = await store().recordLines(jobId, 0, [...records, records[0] as never]);
      expect(recorded).toEqual([true, false, true, false]);
      expect(chunk.recorded['2']).toEqual({ status: 'succeeded', resultKey: first.resultKey });
      expect(chunk.counters).toMatchObject({ succeeded: 1, failed: 2, attempts: 7 });
    });

    it('records groups larger than one update, and concurrent groups count every line once', async () => {
      const lines = Array.from({ length: 60 }, (_, i) => i + 1);
      const jobId = await jobWithChunk(store(), lines, 'group-large');
      const records = lines.map((line) => makeLineRecord(jobId, line));
      const outcomes = await Promise.all([
        store().recordLines(jobId, 0, records),
        store().recordLines(jobId, 0, [...records].reverse()),
      ]);
      const wins = outcomes.flatMap((o) => o.recorded).filter(Boolean).length;
      expect(wins).toBe(60);
      const chunk = await store().getChunk(jobId, 0);
      expect(Object.keys(chunk?.recorded ?? {})).toHaveLength(60);
      expect(chunk?.counters).toMatchObject({ succeeded: 60, attempts: 60 });
    });

    it('a group with a line not in the chunk records nothing and throws; so does a missing chunk', async () => {
      const jobId = await jobWithChunk(store(), [1, 2], 'group-foreign');
      const foreign = store().recordLines(jobId, 0, [makeLineRecord(jobId, 1), makeLineRecord(jobId, 9)]);
      await expectRejection(foreign, JobStoreError, ErrorCode.conflict);
      expect((await store().getChunk(jobId, 0))?.recorded).toEqual({});
      const missing = store().recordLines(jobId, 1, [makeLineRecord(jobId, 1), makeLineRecord(jobId, 2)]);
      await expectRejection(missing, JobStoreError, ErrorCode.notFound);
    });

    it('marks a chunk enqueued; a missing chunk throws', async () => {
      const jobId = await jobWithChunk(store(), [1], 'enqueue');
      await store().markChunkEnqueued(jobId, 0);
      expect((await store().getChunk(jobId, 0))?.enqueued).toBe(true);
      await expectRejection(store().markChunkEnqueued(jobId, 1), JobStoreError, ErrorCode.notFound);
    });

    it('records a line with its status, attempts, retries and usage', async () => {
      const jobId = await jobWithChunk(store(), [4, 5, 6], 'record');
      const record = makeLineRecord(jobId, 5, { attempts: 3 });
      const { recorded, chunk } = await store().recordLine(jobId, 0, record);
      expect(recorded).toBe(true);
      expect(chunk.recorded).toEqual({ '5': { status: 'succeeded', resultKey: record.resultKey } });
      expect(chunk.counters).toEqual({
        succeeded: 1,
        failed: 0,
        cancelled: 0,
        expired: 0,
        attempts: 3,
        retries: 2,
        usage: addUsage(emptyUsageTotals(), makeLineUsage()),
      });
      expect(await store().getChunk(jobId, 0)).toEqual(chunk);
    });

    it('keeps the first record of a line; a repeat changes nothing', async () => {
      const jobId = await jobWithChunk(store(), [1], 'repeat');
      const first = await store().recordLine(
        jobId,
        0,
        makeLineRecord(jobId, 1, { status: 'failed', attempts: 5 }),
      );
      const second = await store().recordLine(jobId, 0, {
        ...makeLineRecord(jobId, 1, { status: 'succeeded', attempts: 1 }),
        resultKey: 'another/key.json',
      });
      expect(second).toEqual({ recorded: false, chunk: first.chunk });
      expect(first.chunk.counters).toMatchObject({ failed: 1, succeeded: 0, attempts: 5, retries: 4 });
    });

    it('records a line exactly once under 20 concurrent duplicate calls', async () => {
      const jobId = await jobWithChunk(store(), [1, 2], 'record-race');
      const line = makeLineRecord(jobId, 2, {
        attempts: 2,
        usage: makeLineUsage({ prompt_tokens: 17, reasoning_tokens: null }),
      });
      const results = await Promise.all(Array.from({ length: 20 }, () => store().recordLine(jobId, 0, line)));
      expect(results.filter((r) => r.recorded)).toHaveLength(1);
      const chunk = await store().getChunk(jobId, 0);
      expect(chunk?.counters).toEqual({
        succeeded: 1,
        failed: 0,
        cancelled: 0,
        expired: 0,
        attempts: 2,
        retries: 1,
        usage: addUsage(emptyUsageTotals(), makeLineUsage({ prompt_tokens: 17, reasoning_tokens: null })),
      });
      for (const result of results)
        expect(result.chunk.recorded['2']).toEqual({ status: 'succeeded', resultKey: line.resultKey });
    });

    it('sums usage exactly over lines, counts unknown fields, and skips lines without usage', async () => {
      const jobId = await jobWithChunk(store(), [1, 2, 3, 4, 5], 'usage');
      const lines = [
        makeLineRecord(jobId, 1, {
          usage: makeLineUsage({ prompt_tokens: 2 ** 40, completion_tokens: 123_456_789 }),
        }),
        makeLineRecord(jobId, 2, {
          usage: makeLineUsage({
            reasoning_tokens: null,
            estimated_reasoning_tokens: 321,
            cached_prompt_tokens: 64,
          }),
        }),
        makeLineRecord(jobId, 3, { status: 'failed', attempts: 4, usage: null }),
        makeLineRecord(jobId, 4, { status: 'expired', attempts: 0, usage: null }),
        makeLineRecord(jobId, 5, {
          status: 'cancelled',
          usage: unknownLineUsage(),
        }),
      ];
      await Promise.all(lines.map((line) => store().recordLine(jobId, 0, line)));
      let expected = emptyUsageTotals();
      for (const line of lines) if (line.usage !== null) expected = addUsage(expected, line.usage);
      const chunk = await store().getChunk(jobId, 0);
      expect(chunk?.counters).toEqual({
        succeeded: 2,
        failed: 1,
        cancelled: 1,
        expired: 1,
        attempts: 1 + 1 + 4 + 0 + 1,
        retries: 3,
        usage: expected,
      });
      expect(chunk?.counters.usage.unknown).toMatchObject({
        prompt_tokens: 1,
        reasoning_tokens: 2,
        cached_prompt_tokens: 2,
      });
      expect(chunk?.counters.usage.lines_with_usage).toBe(3);
    });

    it('refuses a record whose counts are not non-negative integers, recording nothing', async () => {
      const jobId = await jobWithChunk(store(), [1], 'bad-counts');
      const negative = store().recordLine(jobId, 0, makeLineRecord(jobId, 1, { attempts: -1 }));
      await expectRejection(negative, ThinkbatchError, ErrorCode.invalidValue);
      const fractional = makeLineRecord(jobId, 1, { usage: makeLineUsage({ prompt_tokens: 1.5 }) });
      await expectRejection(
        store().recordLine(jobId, 0, fractional),
        ThinkbatchError,
        ErrorCode.invalidValue,
      );
      expect(await store().getChunk(jobId, 0)).toMatchObject({ recorded: {}, counters: { succeeded: 0 } });
    });

    it('refuses a line that is not in the chunk, and a missing chunk', async () => {
      const jobId = await jobWithChunk(store(), [1, 2], 'foreign');
      const foreign = store().recordLine(jobId, 0, makeLineRecord(jobId, 3));
      await expectRejection(foreign, JobStoreError, ErrorCode.conflict);
      const missing = store().recordLine(jobId, 1, makeLineRecord(jobId, 1));
      await expectRejection(missing, JobStoreError, ErrorCode.notFound);
      expect((await store().getChunk(jobId, 0))?.counters.succeeded).toBe(0);
    });

    it('counts a complete chunk into the job once, also under concurrent calls', async () => {
      const jobId = uniqueJobId('complete');
      await store().createJob(makeNewJob(jobId));
      await store().putChunk(jobId, 0, [1, 2]);
      await store().putChunk(jobId, 1, [3]);
      await store().recordLine(jobId, 0, makeLineRecord(jobId, 1));
      await expectRejection(store().completeChunk(jobId, 0, 2_000), JobStoreError, ErrorCode.conflict);
      await store().recordLine(jobId, 0, makeLineRecord(jobId, 2));
      expect(await store().completeChunk(jobId, 0, 2_000)).toMatchObject({ chunksDone: 1, updatedAt: 2_000 });
      expect(await store().completeChunk(jobId, 0, 2_500)).toMatchObject({ chunksDone: 1, updatedAt: 2_000 });
      await store().recordLine(jobId, 1, makeLineRecord(jobId, 3));
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store().completeChunk(jobId, 1, 3_000)),
      );
      for (const job of results) expect(job.chunksDone).toBe(2);
      expect((await store().getJob(jobId))?.chunksDone).toBe(2);
      await expectRejection(store().completeChunk(jobId, 9, 3_000), JobStoreError, ErrorCode.notFound);
    });

    it('counts chunks far apart, completed at once, in any order and repeated, each once', async () => {
      const jobId = uniqueJobId('complete-many');
      await store().createJob(makeNewJob(jobId));
      const indexes = [0, 1, 2, 3, 999, 1_000, 1_001, 2_500, 4_000];
      for (const index of indexes) {
        await store().putChunk(jobId, index, [index + 1]);
        await store().recordLine(
          jobId,
          index,
          makeLineRecord(jobId, index + 1, { usage: makeLineUsage({ completion_tokens: index + 1 }) }),
        );
      }
      const calls = [...indexes, ...[...indexes].reverse(), 1_000, 0];
      const jobs = await Promise.all(calls.map((index) => store().completeChunk(jobId, index, 2_000)));
      for (const job of jobs) expect(job.chunksDone).toBeGreaterThanOrEqual(1);
      expect(Math.max(...jobs.map((job) => job.chunksDone))).toBe(indexes.length);
      // A late duplicate of each, one after another.
      for (const index of indexes)
        expect((await store().completeChunk(jobId, index, 3_000)).chunksDone).toBe(indexes.length);
      const job = await store().getJob(jobId);
      expect(job?.chunksDone).toBe(indexes.length);
      expect(job?.settled.succeeded).toBe(indexes.length);
      expect(job?.settled.usage.completion_tokens).toBe(indexes.reduce((sum, index) => sum + index + 1, 0));
    });

    it('lists a job’s chunks in index order, and only that job’s', async () => {
      const jobId = uniqueJobId('list');
      const otherId = uniqueJobId('list-other');
      await store().createJob(makeNewJob(jobId));
      await store().createJob(makeNewJob(otherId));
      const indexes = Array.from({ length: 25 }, (_, i) => (i * 7) % 25);
      await Promise.all(
        indexes.map((index) => store().putChunk(jobId, index, [index * 2 + 1, index * 2 + 2])),
      );
      await store().putChunk(otherId, 0, [1]);
      await store().recordLine(jobId, 12, makeLineRecord(jobId, 25));
      const listed: ChunkRecord[] = [];
      for await (const chunk of store().listChunks(jobId)) listed.push(chunk);
      expect(listed.map((chunk) => chunk.index)).toEqual(Array.from({ length: 25 }, (_, i) => i));
      expect(listed[12]).toEqual(await store().getChunk(jobId, 12));
      expect(listed[12]?.counters.succeeded).toBe(1);
      const none: ChunkRecord[] = [];
      for await (const chunk of store().listChunks(uniqueJobId('list-none'))) none.push(chunk);
      expect(none).toEqual([]);
    });
  });
}

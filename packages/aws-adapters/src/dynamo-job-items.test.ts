import { marshall } from '@aws-sdk/util-dynamodb';
import type { JobRecord } from '@thinkbatch/core';
import { emptyChunkCounters, JobStoreError } from '@thinkbatch/core';
import { FANOUT } from '@thinkbatch/core/settings';
import { dynamoItemBytes as itemBytes } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import {
  CHUNKS_PER_DONE_GROUP,
  chunkFromItem,
  chunkSortKey,
  completionGroupSize,
  counterAttributes,
  doneMarkerAttribute,
  jobFromItem,
  jobToItem,
  newChunkItem,
} from './dynamo-job-items';

const job: JobRecord = {
  jobId: 'j1',
  status: 'running',
  input: { bucket: 'in', key: 'inputs/a.jsonl', etag: '"e"', size: 10 },
  options: { temperature: 0.6 },
  createdAt: 1,
  updatedAt: 2,
  chunksTotal: 3,
  linesTotal: null,
  chunksDone: 1,
  finalizeLeaseUntil: null,
  fanOutResumes: 0,
  cancelRequested: false,
  error: null,
  outputs: null,
  startedAt: 2,
  finishedAt: null,
  settled: { ...emptyChunkCounters(), succeeded: 4, failed: 1, attempts: 6, retries: 1 },
  metadata: { team: 'search' },
  parentJobId: null,
  requestFingerprint: 'fp',
};

describe('job items', () => {
  it('stores a job under JOB#<id>/JOB without its null fields, and reads it back with them', () => {
    const item = jobToItem(job);
    expect(item['pk']).toEqual({ S: 'JOB#j1' });
    expect(item['sk']).toEqual({ S: 'JOB' });
    expect(Object.keys(item)).not.toContain('linesTotal');
    expect(Object.keys(item)).not.toContain('finishedAt');
    expect(item['chunksTotal']).toEqual({ N: '3' });
    expect(jobFromItem(item)).toEqual(job);
  });

  it('reads a job item whose completedChunks set has grown, without it in the record', () => {
    const item = {
      ...jobToItem(job),
      completedChunks: { NS: Array.from({ length: 20_000 }, (_, i) => `${i}`) },
    };
    expect(jobFromItem(item)).toEqual(job);
    expect(item.completedChunks.NS).toHaveLength(20_000); // the stored item is left as it was
  });

  it('keys an unfinished job into the sparse index, and a terminal one not', () => {
    expect(jobToItem(job)['unfinished']).toEqual({ S: 'JOB' });
    expect(jobToItem({ ...job, status: 'validating' })['unfinished']).toEqual({ S: 'JOB' });
    expect(Object.keys(jobToItem({ ...job, status: 'failed' }))).not.toContain('unfinished');
  });

  it('reads an item written before fanOutResumes existed as 0 resumes', () => {
    const { fanOutResumes: _, ...older } = jobToItem(job);
    expect(jobFromItem(older).fanOutResumes).toBe(0);
  });

  it('keeps the settled counters as the flat counters chunks have, and reads missing ones as 0', () => {
    const item = jobToItem(job);
    expect(Object.keys(item)).not.toContain('settled');
    expect(item['c_succeeded']).toEqual({ N: '4' });
    expect(item['u_prompt_tokens']).toEqual({ N: '0' });
    const { c_succeeded: _s, c_failed: _f, ...older } = item;
    expect(jobFromItem(older).settled).toEqual({ ...job.settled, succeeded: 0, failed: 0 });
  });

  it('reads an item written before metadata, parent and fingerprint existed with their defaults', () => {
    const { metadata: _m, requestFingerprint: _r, ...older } = jobToItem(job);
    expect(jobFromItem(older)).toMatchObject({ metadata: {}, parentJobId: null, requestFingerprint: null });
  });

  it('keys the job into the job-list indexes: position and input key, fixed at creation', () => {
    const item = jobToItem(job);
    expect(item['createdKey']).toEqual({ S: '000000000000001#j1' });
    expect(item['inputKey']).toEqual({ S: 'inputs/a.jsonl' });
    expect(item['status']).toEqual({ S: 'running' });
  });

  it('ignores the completedChunks set when reading a job', () => {
    const item = { ...jobToItem(job), completedChunks: { NS: ['0', '2'] } };
    expect(jobFromItem(item)).toEqual(job);
  });

  it('marks a new job as counting its chunks in groups; an older item (a set, or none) counts in its set', () => {
    const item = jobToItem(job);
    expect(item['completedChunks']).toEqual({ N: String(CHUNKS_PER_DONE_GROUP) });
    expect(completionGroupSize(item)).toBe(CHUNKS_PER_DONE_GROUP);
    expect(completionGroupSize({ ...item, completedChunks: { NS: ['0', '2'] } })).toBeNull();
    const { completedChunks: _, ...older } = item;
    expect(completionGroupSize(older)).toBeNull();
    expect(() => completionGroupSize({ ...item, completedChunks: { N: '0' } })).toThrow(JobStoreError);
  });

  it('reads a job item with its group markers, without them in the record', () => {
    const item = {
      ...jobToItem(job),
      [doneMarkerAttribute(0)]: { N: '3' },
      [doneMarkerAttribute(89)]: { N: '1' },
    };
    expect(jobFromItem(item)).toEqual(job);
  });

  it('keeps the job item and a completion group item small at the largest job (maxChunksPerJob)', () => {
    const groups = Math.ceil(FANOUT.maxChunksPerJob / CHUNKS_PER_DONE_GROUP);
    const jobItem = { ...jobToItem(job) };
    for (let group = 0; group < groups; group += 1) jobItem[doneMarkerAttribute(group)] = { N: '1000' };
    expect(itemBytes(jobItem)).toBeLessThan(4 * 1024); // one read unit, the markers included
    // The last group full, its counters and intent at large values.
    const last = groups - 1;
    const counters = counterAttributes({ ...job.settled, attempts: 99_999_999 });
    const big = Object.fromEntries(Object.keys(counters).map((name) => [name, 99_999_999]));
    const groupItem = marshall({
      pk: `JOB#${'j'.repeat(64)}`,
      sk: `DONE#${last}`,
      chunks: new Set(
        Array.from({ length: CHUNKS_PER_DONE_GROUP }, (_, i) => last * CHUNKS_PER_DONE_GROUP + i),
      ),
      added: CHUNKS_PER_DONE_GROUP,
      chunksDone: CHUNKS_PER_DONE_GROUP,
      ...big,
      pushSeq: CHUNKS_PER_DONE_GROUP,
      pushing: JSON.stringify({
        seq: CHUNKS_PER_DONE_GROUP,
        delta: { chunksDone: CHUNKS_PER_DONE_GROUP, ...big },
      }),
    });
    expect(itemBytes(groupItem)).toBeLessThan(8 * 1024);
  });

  it('throws a JobStoreError naming the field of a corrupt job item', () => {
    const item = { ...jobToItem(job), status: { S: 'exploded' } };
    expect(() => jobFromItem(item)).toThrow(JobStoreError);
    expect(() => jobFromItem(item)).toThrow(/invalid stored job j1:\n[\s\S]*→ at status/);
  });
});

describe('chunk items', () => {
  it('pads the index so sort keys order numerically, and refuses what cannot be padded', () => {
    expect(chunkSortKey(0)).toBe('CHUNK#00000000');
    expect(chunkSortKey(42)).toBe('CHUNK#00000042');
    const keys = [100, 9, 10, 99_999_999].map(chunkSortKey);
    expect([...keys].sort()).toEqual([9, 10, 100, 99_999_999].map(chunkSortKey));
    for (const bad of [-1, 1.5, 100_000_000]) expect(() => chunkSortKey(bad)).toThrow(JobStoreError);
  });

  it('creates a chunk without counter attributes and a line set, and rebuilds ChunkCounters from the flat ones', () => {
    const item = newChunkItem('j1', 4, [9, 10]);
    const counterNames = Object.keys(counterAttributes(emptyChunkCounters()));
    expect(counterNames.length).toBeGreaterThan(15);
    expect(Object.keys(item).filter((name) => counterNames.includes(name))).toEqual([]);
    expect(chunkFromItem(item).counters).toEqual(emptyChunkCounters());
    expect(item['sk']).toEqual({ S: 'CHUNK#00000004' });
    // Ascending lines are stored once, as the set (the list is the set in order).
    expect(item['lines']).toBeUndefined();
    expect(item['lineSet']?.NS?.sort()).toEqual(['10', '9']);
    expect(item['leases']).toEqual({ M: {} });
    const chunk = chunkFromItem({
      ...item,
      c_failed: { N: '2' },
      u_prompt_tokens: { N: '77' },
      unk_total_tokens: { N: '1' },
    });
    expect(chunk.counters.failed).toBe(2);
    expect(chunk.counters.usage.prompt_tokens).toBe(77);
    expect(chunk.counters.usage.unknown.total_tokens).toBe(1);
    expect(chunk).toMatchObject({
      jobId: 'j1',
      index: 4,
      lines: [9, 10],
      recorded: {},
      attempts: {},
      leases: {},
      enqueued: false,
    });
  });

  it('reads the lines of a set-only chunk in ascending numeric order', () => {
    const lines = [2, 3, 9, 10, 11, 100, 1000];
    const item = newChunkItem('j1', 0, lines);
    expect(item['lines']).toBeUndefined();
    const shuffled = { ...item, lineSet: { NS: ['1000', '9', '100', '2', '11', '3', '10'] } };
    expect(chunkFromItem(shuffled).lines).toEqual(lines);
  });

  it('keeps the list of lines that do not ascend (their order is not the set order)', () => {
    const item = newChunkItem('j1', 0, [5, 3, 4]);
    expect(item['lines']).toEqual({ L: [{ N: '5' }, { N: '3' }, { N: '4' }] });
    expect(chunkFromItem(item).lines).toEqual([5, 3, 4]);
  });

  it('reads chunk items written with both the list and the set (before the list went)', () => {
    const item = { ...newChunkItem('j1', 0, [7, 8]), lines: { L: [{ N: '7' }, { N: '8' }] } };
    expect(chunkFromItem(item).lines).toEqual([7, 8]);
  });

  it('reads line leases back, and refuses a lease without a holder', () => {
    const item = newChunkItem('j1', 0, [1, 2]);
    const leases = marshall({ leases: { '2': { holder: 'h', until: 9_000 } } });
    expect(chunkFromItem({ ...item, ...leases }).leases).toEqual({ '2': { holder: 'h', until: 9_000 } });
    const corrupt = marshall({ leases: { '2': { until: 9_000 } } });
    expect(() => chunkFromItem({ ...item, ...corrupt })).toThrow(/→ at leases.2.holder/);
  });

  it('stores a chunk without lines without a (forbidden) empty number set', () => {
    const item = newChunkItem('j1', 0, []);
    expect(item['lineSet']).toBeUndefined();
    expect(chunkFromItem(item).lines).toEqual([]);
  });

  it('reads chunk items written with every counter zeroed (before the zeros went) the same', () => {
    const item = newChunkItem('j1', 1, [1]);
    const zeroed = { ...item, ...marshall(counterAttributes(emptyChunkCounters())) };
    expect(zeroed['c_retries']).toEqual({ N: '0' });
    expect(chunkFromItem(zeroed)).toEqual(chunkFromItem(item));
  });

  it('throws a JobStoreError when a stored counter is not a count', () => {
    const item = newChunkItem('j1', 1, [1]);
    expect(() => chunkFromItem({ ...item, ...marshall({ c_retries: -1 }) })).toThrow(
      /invalid stored chunk 1 of job j1:\n[\s\S]*→ at counters.retries/,
    );
    expect(() => chunkFromItem({ ...item, ...marshall({ u_prompt_tokens: 'x' }) })).toThrow(JobStoreError);
  });
});

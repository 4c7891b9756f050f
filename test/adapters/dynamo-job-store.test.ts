import { createDynamoJobStore } from '@thinkbatch/aws-adapters';
import { JobStoreError } from '@thinkbatch/core';
import { ensureTable } from '@thinkbatch/local';
import { describeJobStoreContract, makeNewJob, uniqueJobId } from '@thinkbatch/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmulators } from '../fixtures/emulators';

const tableName = 'contract-jobs';
const local = useEmulators();

beforeAll(async () => {
  await ensureTable(local.clients.dynamodb, tableName);
});

// A small page size so listChunks really pages (25 chunks → 3 Query pages).
describeJobStoreContract('DynamoDB adapter on dynalite', async () => ({
  store: createDynamoJobStore({ dynamodb: local.clients.dynamodb, tableName, queryPageSize: 10 }),
}));

describe('DynamoDB adapter specifics', () => {
  it('lists chunks across pages of one item', async () => {
    const store = createDynamoJobStore({ dynamodb: local.clients.dynamodb, tableName, queryPageSize: 1 });
    const jobId = uniqueJobId('pages');
    await store.createJob(makeNewJob(jobId));
    for (const index of [10, 2, 100, 0]) await store.putChunk(jobId, index, [index + 1]);
    const indexes: number[] = [];
    for await (const chunk of store.listChunks(jobId)) indexes.push(chunk.index);
    expect(indexes).toEqual([0, 2, 10, 100]);
  });

  it('refuses chunk indexes the sort key cannot order', async () => {
    const store = createDynamoJobStore({ dynamodb: local.clients.dynamodb, tableName });
    const jobId = uniqueJobId('index');
    await store.createJob(makeNewJob(jobId));
    await expect(store.putChunk(jobId, 100_000_000, [1])).rejects.toThrow(JobStoreError);
    await expect(store.getChunk(jobId, -1)).rejects.toThrow(JobStoreError);
  });

  it('wraps SDK failures in JobStoreError with the cause (missing table)', async () => {
    const store = createDynamoJobStore({ dynamodb: local.clients.dynamodb, tableName: 'no-such-table' });
    const error = await store.getJob('x').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(JobStoreError);
    expect(String(error)).toMatch(/ResourceNotFoundException/);
    expect((error as JobStoreError).cause).toBeInstanceOf(Error);
  });
});

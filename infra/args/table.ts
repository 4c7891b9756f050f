import { STORAGE } from '../../packages/core/src/settings';

/**
 * The job table: `pk`/`sk` strings, on-demand (SST's default), and the sparse index of unfinished jobs
 * the sweeper lists: its hash key exists only on job items that are not terminal, and it projects keys
 * only, so job updates do not write to it. `packages/local` provisions the same table.
 */
export const JOBS_TABLE_ARGS = {
  fields: {
    [STORAGE.tablePartitionKey]: 'string',
    [STORAGE.tableSortKey]: 'string',
    [STORAGE.unfinishedJobsKey]: 'string',
  },
  primaryIndex: { hashKey: STORAGE.tablePartitionKey, rangeKey: STORAGE.tableSortKey },
  globalIndexes: {
    [STORAGE.unfinishedJobsIndex]: { hashKey: STORAGE.unfinishedJobsKey, projection: 'keys-only' },
  },
} as const satisfies sst.aws.DynamoArgs;

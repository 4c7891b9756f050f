import { STORAGE } from '../../packages/core/src/settings';

/**
 * The job table: `pk`/`sk` strings, on-demand (SST's default), the sparse index of unfinished jobs the
 * sweeper lists (its hash key exists only on job items that are not terminal), and the two job-list
 * indexes the API reads, newest first: by `status` and by input key, each ranged by the job's list
 * position. Job items only carry their keys (chunks have none), every index projects keys only, and the
 * list keys never change after creation, so only a status change writes to an index.
 * `packages/local` provisions the same table.
 */
export const JOBS_TABLE_ARGS = {
  fields: {
    [STORAGE.tablePartitionKey]: 'string',
    [STORAGE.tableSortKey]: 'string',
    [STORAGE.unfinishedJobsKey]: 'string',
    status: 'string',
    [STORAGE.jobInputKey]: 'string',
    [STORAGE.jobCreatedKey]: 'string',
  },
  primaryIndex: { hashKey: STORAGE.tablePartitionKey, rangeKey: STORAGE.tableSortKey },
  globalIndexes: {
    [STORAGE.unfinishedJobsIndex]: { hashKey: STORAGE.unfinishedJobsKey, projection: 'keys-only' },
    [STORAGE.jobsByStatusIndex]: {
      hashKey: 'status',
      rangeKey: STORAGE.jobCreatedKey,
      projection: 'keys-only',
    },
    [STORAGE.jobsByInputIndex]: {
      hashKey: STORAGE.jobInputKey,
      rangeKey: STORAGE.jobCreatedKey,
      projection: 'keys-only',
    },
  },
} as const satisfies sst.aws.DynamoArgs;

import { STORAGE } from '../packages/core/src/settings';

/** Job state: one partition per job (job item and chunk items), on-demand capacity (SST's default). */
export const jobsTable = new sst.aws.Dynamo('Jobs', {
  fields: { [STORAGE.tablePartitionKey]: 'string', [STORAGE.tableSortKey]: 'string' },
  primaryIndex: { hashKey: STORAGE.tablePartitionKey, rangeKey: STORAGE.tableSortKey },
});

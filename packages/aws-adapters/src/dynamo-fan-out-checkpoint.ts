import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { FanOutCheckpointStore } from '@thinkbatch/core';
import { createExpressionContext } from './dynamo-expression';
import { type Item, jobPartition, PK, SK } from './dynamo-job-items';
import type { DynamoTable } from './dynamo-table';

/** Sort key of a job's fan-out checkpoint item (`chunks`: the count created and sent, in order). */
const FAN_OUT_SORT_KEY = 'FANOUT';

/** The fan-out checkpoint of a job: one small item beside the job item, so the job item never grows. */
export function createDynamoFanOutCheckpoint(table: DynamoTable): FanOutCheckpointStore {
  const key = (jobId: string): Item => marshall({ [PK]: jobPartition(jobId), [SK]: FAN_OUT_SORT_KEY });
  return {
    getFanOutCheckpoint: async (jobId) => {
      const item = await table.get(`GetItem fan-out checkpoint of job ${jobId}`, key(jobId));
      const chunks = item === null ? 0 : unmarshall(item)['chunks'];
      return typeof chunks === 'number' ? chunks : 0;
    },
    saveFanOutCheckpoint: async (jobId, chunks) => {
      const x = createExpressionContext();
      const stored = x.path('chunks');
      const value = x.value(chunks);
      // Refused: a checkpoint as far or further is there already.
      await table.update(`UpdateItem fan-out checkpoint of job ${jobId}`, {
        Key: key(jobId),
        UpdateExpression: `SET ${stored} = ${value}`,
        ConditionExpression: `attribute_not_exists(${stored}) OR ${stored} < ${value}`,
        ReturnValues: 'NONE',
        ...x.attributes(),
      });
    },
  };
}

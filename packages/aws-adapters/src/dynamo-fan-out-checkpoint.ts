import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { FanOutCheckpointStore } from '@thinkbatch/core';
import { createExpressionContext } from './dynamo-expression';
import { type Item, jobPartition, PK, SK } from './dynamo-job-items';
import type { DynamoTable } from './dynamo-table';

/**
 * Sort key of a job's fan-out item: `chunks` (the checkpoint: the count created and sent, in order),
 * `reserved` (chunks below it may exist) and the lease (`leaseHolder`, `leaseUntil`).
 */
const FAN_OUT_SORT_KEY = 'FANOUT';

const numberOr0 = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** The fan-out checkpoint and lease of a job: one small item beside the job item, so the job item never grows. */
export function createDynamoFanOutCheckpoint(table: DynamoTable): FanOutCheckpointStore {
  const key = (jobId: string): Item => marshall({ [PK]: jobPartition(jobId), [SK]: FAN_OUT_SORT_KEY });
  return {
    getFanOutCheckpoint: async (jobId) => {
      const item = await table.get(`GetItem fan-out checkpoint of job ${jobId}`, key(jobId));
      return item === null ? 0 : numberOr0(unmarshall(item)['chunks']);
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
    acquireFanOutLease: async (jobId, { holder, until, now }) => {
      const x = createExpressionContext();
      const storedHolder = x.path('leaseHolder');
      const storedUntil = x.path('leaseUntil');
      const me = x.value(holder);
      const item = await table.update(`UpdateItem fan-out lease of job ${jobId}`, {
        Key: key(jobId),
        UpdateExpression: `SET ${storedHolder} = ${me}, ${storedUntil} = ${x.value(until)}`,
        ConditionExpression: `attribute_not_exists(${storedHolder}) OR ${storedHolder} = ${me} OR ${storedUntil} < ${x.value(now)}`,
        // The item as it was: a checkpoint without a reserved mark was left by a fan-out of a version
        // without the lease, whose chunks above the checkpoint may exist: all are written with a condition.
        ReturnValues: 'ALL_OLD',
        ...x.attributes(),
      });
      if (item === null) {
        // Either refused, or granted on a job without the item (nothing to return): read which.
        const current = await table.get(`GetItem fan-out lease of job ${jobId}`, key(jobId));
        if (current === null || unmarshall(current)['leaseHolder'] !== holder) return null;
      }
      const fields = item === null ? {} : unmarshall(item);
      const checkpoint = numberOr0(fields['chunks']);
      const legacy = fields['chunks'] !== undefined && fields['reserved'] === undefined;
      return { checkpoint, reserved: legacy ? Number.MAX_SAFE_INTEGER : numberOr0(fields['reserved']) };
    },
    reserveFanOutChunks: async (jobId, { holder, chunks, until }) => {
      const x = createExpressionContext();
      const reserved = x.path('reserved');
      const upTo = x.value(chunks);
      const item = await table.update(`UpdateItem fan-out reservation of job ${jobId}`, {
        Key: key(jobId),
        UpdateExpression: `SET ${reserved} = ${upTo}, ${x.path('leaseUntil')} = ${x.value(until)}`,
        ConditionExpression: `${x.path('leaseHolder')} = ${x.value(holder)} AND (attribute_not_exists(${reserved}) OR ${reserved} < ${upTo})`,
        ReturnValues: 'UPDATED_NEW',
        ...x.attributes(),
      });
      return item !== null;
    },
    releaseFanOutLease: async (jobId, holder) => {
      const x = createExpressionContext();
      const storedHolder = x.path('leaseHolder');
      await table.update(`UpdateItem fan-out lease release of job ${jobId}`, {
        Key: key(jobId),
        UpdateExpression: `REMOVE ${storedHolder}, ${x.path('leaseUntil')}`,
        ConditionExpression: `${storedHolder} = ${x.value(holder)}`,
        ReturnValues: 'NONE',
        ...x.attributes(),
      });
    },
  };
}

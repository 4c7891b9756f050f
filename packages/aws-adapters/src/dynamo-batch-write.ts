import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { ErrorCode, JobStoreError } from '@thinkbatch/core';
import { awsErrorFacts, isTransientAwsError } from './aws-error';
import type { Item } from './dynamo-job-items';

/** BatchWriteItem takes at most 25 put or delete requests. */
export const BATCH_WRITE_ITEMS = 25;
/** Rounds of re-sending the items DynamoDB left unprocessed (throttling) before giving up. */
const UNPROCESSED_ROUNDS = 8;
/** Backoff before the first re-send; doubles each round (with jitter). */
const FIRST_BACKOFF_MS = 50;

/** Unconditional puts of many items, 25 a request. */
export interface DynamoBatchWriter {
  /**
   * Put every item (overwriting any with the same key), re-sending the unprocessed ones with backoff;
   * throws `JobStoreError` (`unavailable` when worth retrying later) when some stay unwritten.
   */
  putAll(what: string, items: readonly Item[]): Promise<void>;
}

/** Batch writes to one table. */
export function createDynamoBatchWriter(
  db: DynamoDBClient,
  tableName: string,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): DynamoBatchWriter {
  const writeGroup = async (what: string, group: readonly Item[]): Promise<void> => {
    let pending: WriteRequest[] = group.map((Item) => ({ PutRequest: { Item } }));
    for (let round = 0; pending.length > 0; round += 1) {
      if (round > UNPROCESSED_ROUNDS)
        throw new JobStoreError(
          `${what} on ${tableName}: ${pending.length} items left unprocessed after ${UNPROCESSED_ROUNDS} re-sends`,
          { code: ErrorCode.unavailable },
        );
      if (round > 0) await sleep(FIRST_BACKOFF_MS * 2 ** (round - 1) * (0.5 + Math.random() / 2));
      try {
        const out = await db.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
        pending = out.UnprocessedItems?.[tableName] ?? [];
      } catch (error) {
        const facts = awsErrorFacts(error);
        throw new JobStoreError(`${what} on ${tableName}: ${facts.name}: ${facts.message}`, {
          cause: error,
          code: isTransientAwsError(facts) ? ErrorCode.unavailable : ErrorCode.unknown,
        });
      }
    }
  };
  return {
    putAll: async (what, items) => {
      const groups: Item[][] = [];
      for (let start = 0; start < items.length; start += BATCH_WRITE_ITEMS)
        groups.push(items.slice(start, start + BATCH_WRITE_ITEMS));
      await Promise.all(groups.map((group) => writeGroup(what, group)));
    },
  };
}

import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { ErrorCode, JobStoreError } from '@thinkbatch/core';
import { awsErrorFacts, isTransientAwsError } from './aws-error';
import { createExpressionContext } from './dynamo-expression';
import type { Item } from './dynamo-job-items';
import { PK } from './dynamo-job-items';

/** The single-item operations the job store is built from; a refused condition is a value, not an error. */
export interface DynamoTable {
  /**
   * Conditional UpdateItem returning the item afterwards (ALL_NEW, unless `input.ReturnValues` asks for
   * less: an empty item for `NONE`); null when the condition failed.
   */
  update(what: string, input: Omit<UpdateItemCommandInput, 'TableName'>): Promise<Item | null>;
  /** Consistent GetItem; null when there is no such item. */
  get(what: string, key: Item): Promise<Item | null>;
  /** PutItem unless an item with that key exists; false when it did. */
  putNew(what: string, item: Item): Promise<boolean>;
  /** One Query page (consistent). */
  query(
    what: string,
    input: Omit<QueryCommandInput, 'TableName' | 'ConsistentRead'>,
  ): Promise<QueryCommandOutput>;
  /** One Query page of a global secondary index (eventually consistent: GSIs offer nothing else). */
  queryIndex(
    what: string,
    indexName: string,
    input: Omit<QueryCommandInput, 'TableName' | 'ConsistentRead' | 'IndexName'>,
  ): Promise<QueryCommandOutput>;
}

const isConditionFailed = (error: unknown): boolean =>
  awsErrorFacts(error).name === 'ConditionalCheckFailedException';

/** Wrap one table; every SDK failure other than a failed condition becomes a `JobStoreError` with `cause`. */
export function createDynamoTable(db: DynamoDBClient, tableName: string): DynamoTable {
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (isConditionFailed(error)) throw error;
      const facts = awsErrorFacts(error);
      throw new JobStoreError(`${what} on ${tableName}: ${facts.name}: ${facts.message}`, {
        cause: error,
        code: isTransientAwsError(facts) ? ErrorCode.unavailable : ErrorCode.unknown,
      });
    }
  };
  const refusedAs = async <T>(refused: T, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (isConditionFailed(error)) return refused;
      throw error;
    }
  };

  return {
    update: (what, input) =>
      refusedAs(null, async () => {
        const out = await call(what, () =>
          db.send(new UpdateItemCommand({ TableName: tableName, ReturnValues: 'ALL_NEW', ...input })),
        );
        // Applied: never null (with ReturnValues NONE the answer has no attributes, not a refusal).
        return out.Attributes ?? {};
      }),
    get: async (what, key) => {
      const out = await call(what, () =>
        db.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true })),
      );
      return out.Item ?? null;
    },
    putNew: (what, item) =>
      refusedAs(false, async () => {
        const x = createExpressionContext();
        await call(what, () =>
          db.send(
            new PutItemCommand({
              TableName: tableName,
              Item: item,
              ConditionExpression: `attribute_not_exists(${x.path(PK)})`,
              ...x.attributes(),
            }),
          ),
        );
        return true;
      }),
    query: (what, input) =>
      call(what, () => db.send(new QueryCommand({ TableName: tableName, ConsistentRead: true, ...input }))),
    queryIndex: (what, indexName, input) =>
      call(what, () => db.send(new QueryCommand({ TableName: tableName, IndexName: indexName, ...input }))),
  };
}

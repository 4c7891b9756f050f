import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DEAD_LETTER, FAN_OUT_FAILURES, QUEUE, STORAGE } from '@thinkbatch/core/settings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsClients, createAwsClients } from './aws-clients';
import { DEFAULT_RESOURCE_NAMES, ensureTable, provisionResources } from './provision';
import { type Emulators, startEmulators } from './start-emulators';

describe('provisionResources', () => {
  let emulators: Emulators;
  let clients: AwsClients;
  beforeAll(async () => {
    emulators = await startEmulators();
    clients = createAwsClients(emulators);
  });
  afterAll(async () => {
    clients.destroy();
    await emulators.stop();
  });

  const attributesOf = async (queueUrl: string): Promise<Record<string, string>> =>
    (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] })))
      .Attributes ?? {};

  it('creates the buckets, the queues with the QUEUE settings and the table, under default names', async () => {
    const resources = await provisionResources(clients);
    expect(resources.inputBucket).toBe(DEFAULT_RESOURCE_NAMES.inputBucket);
    expect(resources.outputBucket).toBe(DEFAULT_RESOURCE_NAMES.outputBucket);
    expect(resources.tableName).toBe(DEFAULT_RESOURCE_NAMES.tableName);
    for (const bucket of [resources.inputBucket, resources.outputBucket]) {
      const head = await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
      expect(head.$metadata.httpStatusCode).toBe(200);
    }
    const dlq = await attributesOf(resources.dlqUrl);
    expect(dlq['MessageRetentionPeriod']).toBe(String(QUEUE.dlqRetentionSeconds));
    // A dead letter its consumer keeps failing on is parked, as on AWS, not retried for 14 days.
    const parking = await attributesOf(resources.dlqParkingUrl);
    expect(JSON.parse(dlq['RedrivePolicy'] ?? '{}')).toEqual({
      deadLetterTargetArn: parking['QueueArn'],
      maxReceiveCount: DEAD_LETTER.maxReceiveCount,
    });
    expect(dlq['VisibilityTimeout']).toBe(String(6 * DEAD_LETTER.timeoutSeconds));
    const queue = await attributesOf(resources.queueUrl);
    expect(queue['VisibilityTimeout']).toBe(String(QUEUE.visibilityTimeoutSeconds));
    expect(queue['MessageRetentionPeriod']).toBe(String(QUEUE.retentionSeconds));
    expect(queue['MaximumMessageSize']).toBe(String(QUEUE.maximumMessageSizeBytes));
    expect(JSON.parse(queue['RedrivePolicy'] ?? '{}')).toEqual({
      deadLetterTargetArn: dlq['QueueArn'],
      maxReceiveCount: QUEUE.maxReceiveCount,
    });
    const { Table } = await clients.dynamodb.send(
      new DescribeTableCommand({ TableName: resources.tableName }),
    );
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode ?? 'PAY_PER_REQUEST').toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: STORAGE.unfinishedJobsIndex,
        KeySchema: [{ AttributeName: STORAGE.unfinishedJobsKey, KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
        IndexStatus: 'ACTIVE',
      }),
      expect.objectContaining({
        IndexName: STORAGE.jobsByStatusIndex,
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: STORAGE.jobCreatedKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
        IndexStatus: 'ACTIVE',
      }),
      expect.objectContaining({
        IndexName: STORAGE.jobsByInputIndex,
        KeySchema: [
          { AttributeName: STORAGE.jobInputKey, KeyType: 'HASH' },
          { AttributeName: STORAGE.jobCreatedKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
        IndexStatus: 'ACTIVE',
      }),
    ]);
    const failures = await attributesOf(resources.fanOutFailuresUrl);
    expect(failures['MessageRetentionPeriod']).toBe(String(FAN_OUT_FAILURES.retentionSeconds));
  });

  it('refuses, saying why, a table from an older data directory without the indexes', async () => {
    await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: 'older-table',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await expect(ensureTable(clients.dynamodb, 'older-table')).rejects.toThrow(
      `table older-table has no index ${STORAGE.unfinishedJobsIndex}, ${STORAGE.jobsByStatusIndex}, ${STORAGE.jobsByInputIndex}: its data directory predates it`,
    );
  });

  it('is idempotent, and brings an existing queue to a new visibility timeout and receive count', async () => {
    const names = {
      inputBucket: 'in-x',
      outputBucket: 'out-x',
      queueName: 'q-x',
      dlqName: 'dlq-x',
      fanOutFailuresName: 'fail-x',
      tableName: 'table-x',
    };
    const first = await provisionResources(clients, { ...names, visibilityTimeoutSeconds: 3 });
    const second = await provisionResources(clients, { ...names, visibilityTimeoutSeconds: 3 });
    expect(second).toEqual(first);
    expect((await attributesOf(first.queueUrl))['VisibilityTimeout']).toBe('3');
    const third = await provisionResources(clients, {
      ...names,
      visibilityTimeoutSeconds: 7,
      maxReceiveCount: 2,
    });
    expect(third).toEqual(first);
    const queue = await attributesOf(first.queueUrl);
    expect(queue['VisibilityTimeout']).toBe('7');
    expect(JSON.parse(queue['RedrivePolicy'] ?? '{}')).toMatchObject({ maxReceiveCount: 2 });
  });
});

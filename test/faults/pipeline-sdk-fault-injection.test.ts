import { CreateTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createSdkFaultPlan, injectSdkFaults } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { useEmulators } from '../fixtures/emulators';

const env = useEmulators();

/** The fault injection itself, on real SDK clients over real HTTP to the emulators. */
describe('SDK fault injection', () => {
  it('throttles S3 in its own protocol: the SDK retries, and a burst longer than its retries surfaces as SlowDown', async () => {
    const { s3 } = env.clients;
    await s3.send(new CreateBucketCommand({ Bucket: 'faults' }));
    const plan = createSdkFaultPlan({
      seed: 1,
      rules: [{ service: 's3', operations: ['PutObject'], times: 3, fault: { kind: 'throttled' } }],
    });
    const remove = injectSdkFaults({ s3 }, plan);
    try {
      // Three refused attempts: the SDK's three attempts all fail, with S3's own error.
      await expect(
        s3.send(new PutObjectCommand({ Bucket: 'faults', Key: 'a', Body: 'one' })),
      ).rejects.toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
      expect(plan.injected).toHaveLength(3);
      // The burst is over: the next call goes through to the emulator.
      await s3.send(new PutObjectCommand({ Bucket: 'faults', Key: 'a', Body: 'two' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'faults', Key: 'a' }));
      expect(await got.Body?.transformToString()).toBe('two');
    } finally {
      remove();
    }
  });

  it('retries a single throttled DynamoDB attempt inside the SDK, and a lost response was applied', async () => {
    const { dynamodb } = env.clients;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'faults',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const plan = createSdkFaultPlan({
      seed: 2,
      rules: [
        { service: 'dynamodb', operations: ['PutItem'], times: 1, fault: { kind: 'throttled' } },
        { service: 'dynamodb', operations: ['PutItem'], times: 1, fault: { kind: 'lost_response' } },
      ],
    });
    const remove = injectSdkFaults({ dynamodb }, plan);
    try {
      const put = (pk: string) =>
        dynamodb.send(
          new PutItemCommand({
            TableName: 'faults',
            Item: { pk: { S: pk } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      // Attempt 1 throttled, attempt 2 applied but its answer lost, attempt 3 finds its own write.
      await expect(put('x')).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
      expect(plan.injected.map((f) => f.fault)).toEqual(['throttled', 'lost_response']);
      const item = await dynamodb.send(new GetItemCommand({ TableName: 'faults', Key: { pk: { S: 'x' } } }));
      expect(item.Item).toBeDefined();
    } finally {
      remove();
    }
  });

  it('answers a SendMessageBatch 200 that lists entries as Failed, and sends only the others', async () => {
    const { sqs } = env.clients;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'faults' }));
    const plan = createSdkFaultPlan({
      seed: 3,
      rules: [
        {
          service: 'sqs',
          operations: ['SendMessageBatch'],
          times: 1,
          fault: { kind: 'partial_batch', entries: 2 },
        },
      ],
    });
    const remove = injectSdkFaults({ sqs }, plan);
    try {
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: ['a', 'b', 'c'].map((id) => ({ Id: id, MessageBody: id })),
        }),
      );
      expect(out.Successful?.map((e) => e.Id)).toEqual(['c']);
      expect(out.Failed?.map((e) => [e.Id, e.SenderFault])).toEqual([
        ['a', false],
        ['b', false],
      ]);
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      expect(received.Messages?.map((m) => m.Body)).toEqual(['c']);
    } finally {
      remove();
    }
  });
});

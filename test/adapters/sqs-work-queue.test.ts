import { createSqsWorkQueue } from '@thinkbatch/aws-adapters';
import {
  type AwsClients,
  createAwsClients,
  type Emulators,
  ensureQueue,
  startEmulators,
} from '@thinkbatch/local';
import { decodeReceivedBody, describeWorkQueueContract, drainQueue } from '@thinkbatch/testing';
import { afterAll, beforeAll } from 'vitest';

let emulators: Emulators;
let clients: AwsClients;
let queues = 0;

beforeAll(async () => {
  emulators = await startEmulators();
  clients = createAwsClients(emulators);
});
afterAll(async () => {
  clients.destroy();
  await emulators.stop();
});

describeWorkQueueContract('SQS adapter on fauxqs', async () => {
  queues += 1;
  const queueUrl = await ensureQueue(clients.sqs, `contract-${queues}`, {
    VisibilityTimeout: '30',
    MaximumMessageSize: String(1024 * 1024),
  });
  return {
    queue: createSqsWorkQueue({ sqs: clients.sqs, queueUrl }),
    receiveAll: async () =>
      (await drainQueue(clients.sqs, queueUrl, { timeoutMs: 5_000 })).map(decodeReceivedBody),
  };
});

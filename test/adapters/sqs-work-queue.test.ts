import { afterAll, beforeAll } from 'vitest';
import { createSqsWorkQueue } from '../../packages/aws-adapters/src/index';
import { WorkMessage } from '../../packages/core/src/index';
import { describeWorkQueueContract } from '../../packages/core/src/testing/contracts/index';
import {
  type AwsClients,
  createAwsClients,
  drainQueue,
  type Emulators,
  ensureQueue,
  startEmulators,
} from '../../packages/local/src/emulators/index';

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
      (await drainQueue(clients.sqs, queueUrl, { timeoutMs: 5_000 })).map((body) =>
        WorkMessage.parse(JSON.parse(body)),
      ),
  };
});

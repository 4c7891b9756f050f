import { createSqsWorkQueue } from '@thinkbatch/aws-adapters';
import { ensureQueue } from '@thinkbatch/local';
import { decodeReceivedBody, describeWorkQueueContract, drainQueue } from '@thinkbatch/testing';
import { useEmulators } from '../fixtures/emulators';

const local = useEmulators();
let queues = 0;

describeWorkQueueContract('SQS adapter on fauxqs', async () => {
  queues += 1;
  const queueUrl = await ensureQueue(local.clients.sqs, `contract-${queues}`, {
    VisibilityTimeout: '30',
    MaximumMessageSize: String(1024 * 1024),
  });
  return {
    queue: createSqsWorkQueue({ sqs: local.clients.sqs, queueUrl }),
    receiveAll: async () =>
      (await drainQueue(local.clients.sqs, queueUrl, { timeoutMs: 5_000 })).map(decodeReceivedBody),
  };
});

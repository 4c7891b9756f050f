import { describe, expect, it } from 'vitest';
import { DEAD_LETTER, QUEUE, STORAGE, WORKER } from '../../packages/core/src/settings';
import { DEAD_LETTER_QUEUE_ARGS, workQueueArgs } from './queues';
import { DEAD_LETTER_SUBSCRIPTION, fanOutNotification, WORKER_SUBSCRIPTION } from './triggers';

describe('fan-out notification', () => {
  it('is one notification, for created objects matching the input prefix and suffix only', () => {
    expect(fanOutNotification('fn')).toEqual({
      notifications: [
        {
          name: 'FanOut',
          function: 'fn',
          events: ['s3:ObjectCreated:*'],
          filterPrefix: STORAGE.inputPrefix,
          filterSuffix: STORAGE.inputSuffix,
        },
      ],
    });
  });
});

describe('queue subscriptions', () => {
  it('runs workers with partial batch responses, the shared batch settings and capped concurrency', () => {
    expect(WORKER_SUBSCRIPTION.batch).toEqual({
      size: WORKER.batchSize,
      window: `${WORKER.batchWindowSeconds} seconds`,
      partialResponses: true,
    });
    expect(WORKER_SUBSCRIPTION.transform.eventSourceMapping.scalingConfig.maximumConcurrency).toBe(
      WORKER.maxConcurrency,
    );
  });

  it('drains dead letters with partial batch responses', () => {
    expect(DEAD_LETTER_SUBSCRIPTION.batch).toEqual({ size: DEAD_LETTER.batchSize, partialResponses: true });
  });
});

describe('queues', () => {
  // AWS's rules over these arguments are checked in infra/settings.test.ts; here, only that infra takes
  // the numbers from the shared settings, which the local runtime provisions too.
  it('take visibility, redrive count, retention and message size from the shared QUEUE settings', () => {
    const work = workQueueArgs('arn:dlq');
    expect(work.visibilityTimeout).toBe(`${QUEUE.visibilityTimeoutSeconds} seconds`);
    expect(work.dlq.retry).toBe(QUEUE.maxReceiveCount);
    expect(work.transform.queue).toEqual({
      messageRetentionSeconds: QUEUE.retentionSeconds,
      maxMessageSize: QUEUE.maximumMessageSizeBytes,
    });
    expect(DEAD_LETTER_QUEUE_ARGS.transform.queue).toEqual({
      messageRetentionSeconds: QUEUE.dlqRetentionSeconds,
      maxMessageSize: QUEUE.maximumMessageSizeBytes,
    });
  });
});

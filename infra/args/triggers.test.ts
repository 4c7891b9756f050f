import { describe, expect, it } from 'vitest';
import { DEAD_LETTER, QUEUE, STORAGE, WORKER } from '../../packages/core/src/settings';
import { DEAD_LETTER_QUEUE_ARGS, VISIBILITY_TIMEOUT_FACTOR, workQueueArgs } from './queues';
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
  it('passes the shared visibility, redrive, retention and 1 MiB message size to the work queue', () => {
    expect(workQueueArgs('arn:dlq')).toEqual({
      visibilityTimeout: `${QUEUE.visibilityTimeoutSeconds} seconds`,
      dlq: { queue: 'arn:dlq', retry: QUEUE.maxReceiveCount },
      transform: { queue: { messageRetentionSeconds: QUEUE.retentionSeconds, maxMessageSize: 1024 * 1024 } },
    });
  });

  it('keeps dead letters longer, as large, and invisible for 6 × the DLQ consumer timeout', () => {
    expect(DEAD_LETTER_QUEUE_ARGS).toEqual({
      visibilityTimeout: `${VISIBILITY_TIMEOUT_FACTOR * DEAD_LETTER.timeoutSeconds} seconds`,
      transform: {
        queue: { messageRetentionSeconds: QUEUE.dlqRetentionSeconds, maxMessageSize: 1024 * 1024 },
      },
    });
    expect(DEAD_LETTER_QUEUE_ARGS.transform.queue.messageRetentionSeconds).toBeGreaterThan(
      workQueueArgs('arn:dlq').transform.queue.messageRetentionSeconds,
    );
  });
});

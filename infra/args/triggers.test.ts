import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER,
  FAN_OUT_FAILURES,
  QUEUE,
  STORAGE,
  SWEEPER,
  WORKER,
} from '../../packages/core/src/settings';
import { deadLetterQueueAttributes, JOB_TABLE_INDEXES } from '../../packages/local/src/emulators/provision';
import {
  deadLetterQueueArgs,
  FAN_OUT_FAILURES_QUEUE_ARGS,
  VISIBILITY_TIMEOUT_FACTOR,
  workQueueArgs,
} from './queues';
import { JOBS_TABLE_ARGS } from './table';
import {
  DEAD_LETTER_SUBSCRIPTION,
  FAN_OUT_FAILURE_SUBSCRIPTION,
  fanOutNotification,
  sweeperSchedule,
  WORKER_SUBSCRIPTION,
} from './triggers';

describe('fan-out notification', () => {
  it('is one notification per input suffix (plain and gzip), for created objects under the input prefix only', () => {
    expect(fanOutNotification('fn')).toEqual({
      notifications: [
        {
          name: 'FanOut',
          function: 'fn',
          events: ['s3:ObjectCreated:*'],
          filterPrefix: STORAGE.inputPrefix,
          filterSuffix: STORAGE.inputSuffix,
        },
        {
          name: 'FanOutGzip',
          function: 'fn',
          events: ['s3:ObjectCreated:*'],
          filterPrefix: STORAGE.inputPrefix,
          filterSuffix: '.jsonl.gz',
        },
      ],
    });
    // S3 refuses overlapping filters: neither suffix may end the other.
    expect(STORAGE.gzipInputSuffix.endsWith(STORAGE.inputSuffix)).toBe(false);
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

  it('drains dead letters with partial batch responses and the shared maximum concurrency', () => {
    expect(DEAD_LETTER_SUBSCRIPTION.batch).toEqual({ size: DEAD_LETTER.batchSize, partialResponses: true });
    expect(DEAD_LETTER_SUBSCRIPTION.transform.eventSourceMapping.scalingConfig.maximumConcurrency).toBe(
      DEAD_LETTER.maxConcurrency,
    );
  });

  it('drains fan-out failure records with partial batch responses', () => {
    expect(FAN_OUT_FAILURE_SUBSCRIPTION.batch).toEqual({
      size: FAN_OUT_FAILURES.batchSize,
      partialResponses: true,
    });
  });
});

describe('sweeper schedule', () => {
  it('runs the sweeper every SWEEPER.intervalMinutes, without scheduler retries', () => {
    expect(sweeperSchedule('fn')).toEqual({ function: 'fn', schedule: 'rate(5 minutes)', retries: 0 });
    expect(SWEEPER.intervalMinutes).toBe(5);
  });
});

describe('job table', () => {
  it('declares the indexes the local runtime also creates: unfinished jobs, jobs by status and by input key', () => {
    expect(JOBS_TABLE_ARGS).toEqual({
      fields: {
        pk: 'string',
        sk: 'string',
        [STORAGE.unfinishedJobsKey]: 'string',
        status: 'string',
        [STORAGE.jobInputKey]: 'string',
        [STORAGE.jobCreatedKey]: 'string',
      },
      primaryIndex: { hashKey: 'pk', rangeKey: 'sk' },
      globalIndexes: {
        [STORAGE.unfinishedJobsIndex]: { hashKey: STORAGE.unfinishedJobsKey, projection: 'keys-only' },
        [STORAGE.jobsByStatusIndex]: {
          hashKey: 'status',
          rangeKey: STORAGE.jobCreatedKey,
          projection: 'keys-only',
        },
        [STORAGE.jobsByInputIndex]: {
          hashKey: STORAGE.jobInputKey,
          rangeKey: STORAGE.jobCreatedKey,
          projection: 'keys-only',
        },
      },
    });
  });

  it('declares every index exactly as the local runtime provisions it', () => {
    const local = JOB_TABLE_INDEXES.map((index) => ({
      name: index.IndexName,
      keys: index.KeySchema?.map((key) => key.AttributeName),
      projection: index.Projection?.ProjectionType,
    }));
    const declared = Object.entries(JOBS_TABLE_ARGS.globalIndexes).map(([name, index]) => ({
      name,
      keys: 'rangeKey' in index ? [index.hashKey, index.rangeKey] : [index.hashKey],
      projection: index.projection === 'keys-only' ? 'KEYS_ONLY' : index.projection,
    }));
    expect(declared).toEqual(local);
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
    expect(deadLetterQueueArgs('arn:parking').transform.queue).toEqual({
      messageRetentionSeconds: QUEUE.dlqRetentionSeconds,
      maxMessageSize: QUEUE.maximumMessageSizeBytes,
    });
  });

  it('gives the local dead-letter queue the attributes infra declares (visibility, retention, size, parking)', () => {
    const declared = deadLetterQueueArgs('arn:parking');
    const local = deadLetterQueueAttributes('arn:parking');
    expect(local).toEqual({
      VisibilityTimeout: declared.visibilityTimeout.replace(' seconds', ''),
      MessageRetentionPeriod: String(declared.transform.queue.messageRetentionSeconds),
      MaximumMessageSize: String(declared.transform.queue.maxMessageSize),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: declared.dlq.queue,
        maxReceiveCount: declared.dlq.retry,
      }),
    });
  });

  it('keeps fan-out failure records as long as SQS allows, invisible for 6 × their consumer timeout', () => {
    expect(FAN_OUT_FAILURES_QUEUE_ARGS).toEqual({
      visibilityTimeout: `${VISIBILITY_TIMEOUT_FACTOR * FAN_OUT_FAILURES.timeoutSeconds} seconds`,
      transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
    });
  });
});

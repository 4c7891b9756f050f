import { DEAD_LETTER, FAN_OUT_FAILURES, STORAGE, SWEEPER, WORKER } from '../../packages/core/src/settings';

/**
 * The input bucket's notifications (SST allows one `notify()` per bucket, with several entries): objects
 * created under `STORAGE.inputPrefix` with `STORAGE.inputSuffix` or `STORAGE.gzipInputSuffix` start the
 * fan-out (the two suffixes do not overlap, as S3 requires). Other uploads are ignored.
 */
export function fanOutNotification<Subscriber>(subscriber: Subscriber) {
  return {
    notifications: [
      {
        name: 'FanOut',
        function: subscriber,
        events: ['s3:ObjectCreated:*' as const],
        filterPrefix: STORAGE.inputPrefix,
        filterSuffix: STORAGE.inputSuffix,
      },
      {
        name: 'FanOutGzip',
        function: subscriber,
        events: ['s3:ObjectCreated:*' as const],
        filterPrefix: STORAGE.inputPrefix,
        filterSuffix: STORAGE.gzipInputSuffix,
      },
    ],
  };
}

/**
 * How the worker consumes the work queue: small batches, partial batch responses (one failed work item
 * does not bring back the others), and the event source's maximum concurrency — the only knob that caps
 * concurrent workers without throttling the queue (reserved concurrency would).
 */
export const WORKER_SUBSCRIPTION = {
  batch: {
    size: WORKER.batchSize,
    window: `${WORKER.batchWindowSeconds} seconds`,
    partialResponses: true,
  },
  transform: {
    eventSourceMapping: { scalingConfig: { maximumConcurrency: WORKER.maxConcurrency } },
  },
} as const satisfies sst.aws.QueueSubscriberArgs;

/**
 * How the DLQ consumer drains dead letters: partial batch responses, so one bad record is retried alone,
 * and a maximum concurrency, so a burst of dead letters cannot take the workers' concurrency.
 */
export const DEAD_LETTER_SUBSCRIPTION = {
  batch: {
    size: DEAD_LETTER.batchSize,
    partialResponses: true,
  },
  transform: {
    eventSourceMapping: { scalingConfig: { maximumConcurrency: DEAD_LETTER.maxConcurrency } },
  },
} as const satisfies sst.aws.QueueSubscriberArgs;

/** How the fan-out failure consumer drains failure records: partial batch responses. */
export const FAN_OUT_FAILURE_SUBSCRIPTION = {
  batch: {
    size: FAN_OUT_FAILURES.batchSize,
    partialResponses: true,
  },
} as const satisfies sst.aws.QueueSubscriberArgs;

/**
 * The sweeper's schedule (EventBridge Scheduler through `sst.aws.CronV2`): every
 * `SWEEPER.intervalMinutes`. No scheduler retries: the next run comes soon and does the same.
 */
export function sweeperSchedule<Fn>(fn: Fn) {
  return {
    function: fn,
    schedule: `rate(${SWEEPER.intervalMinutes} minutes)` as const,
    retries: 0,
  };
}

import { DEAD_LETTER, FAN_OUT_FAILURES, QUEUE } from '../../packages/core/src/settings';

/**
 * AWS's rule for a queue that feeds a Lambda function: visibility timeout ≥ 6 × the function timeout,
 * so a message is not delivered again while a (retried) invocation may still hold it.
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * The dead-letter queue: kept longer than the work queue (a message's age carries over when it is
 * dead-lettered, so a shorter retention would expire it there first), as large messages as the work
 * queue, and a visibility timeout that fits its consumer. A dead letter its consumer keeps failing on
 * (a poison message) is parked after `DEAD_LETTER.maxReceiveCount` deliveries instead of being retried
 * for 14 days; the parking queue's depth raises an alarm (`alarms.ts`).
 */
export function deadLetterQueueArgs<Arn>(parkingQueueArn: Arn) {
  return {
    visibilityTimeout: `${VISIBILITY_TIMEOUT_FACTOR * DEAD_LETTER.timeoutSeconds} seconds`,
    dlq: { queue: parkingQueueArn, retry: DEAD_LETTER.maxReceiveCount },
    transform: {
      queue: {
        messageRetentionSeconds: QUEUE.dlqRetentionSeconds,
        maxMessageSize: QUEUE.maximumMessageSizeBytes,
      },
    },
  } as const;
}

/**
 * Where dead letters that their consumer could not handle are parked for a person to look at (nothing
 * consumes it): as long as SQS allows, as large messages as the work queue.
 */
export const DEAD_LETTER_PARKING_QUEUE_ARGS = {
  transform: {
    queue: {
      messageRetentionSeconds: QUEUE.dlqRetentionSeconds,
      maxMessageSize: QUEUE.maximumMessageSizeBytes,
    },
  },
} as const satisfies sst.aws.QueueArgs;

/**
 * The work queue: visibility from `QUEUE` (≥ 6 × the worker timeout), dead-lettering after
 * `QUEUE.maxReceiveCount` deliveries, and the 1 MiB message size SQS allows since 2025 (the queue
 * attribute still defaults to 256 KiB, and SST has no option for it, hence the transform).
 */
export function workQueueArgs<Arn>(deadLetterQueueArn: Arn) {
  return {
    visibilityTimeout: `${QUEUE.visibilityTimeoutSeconds} seconds`,
    dlq: { queue: deadLetterQueueArn, retry: QUEUE.maxReceiveCount },
    transform: {
      queue: {
        messageRetentionSeconds: QUEUE.retentionSeconds,
        maxMessageSize: QUEUE.maximumMessageSizeBytes,
      },
    },
  } as const;
}

/**
 * The fan-out's on-failure destination: Lambda puts the record of an S3 event whose fan-out threw on
 * every attempt here. Kept as long as SQS allows (the record may be the only trace of the upload), with a
 * visibility timeout that fits its consumer.
 */
export const FAN_OUT_FAILURES_QUEUE_ARGS = {
  visibilityTimeout: `${VISIBILITY_TIMEOUT_FACTOR * FAN_OUT_FAILURES.timeoutSeconds} seconds`,
  transform: { queue: { messageRetentionSeconds: FAN_OUT_FAILURES.retentionSeconds } },
} as const satisfies sst.aws.QueueArgs;

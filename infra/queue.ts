import {
  DEAD_LETTER_PARKING_QUEUE_ARGS,
  deadLetterQueueArgs,
  FAN_OUT_FAILURES_QUEUE_ARGS,
  workQueueArgs,
} from './args/queues';

/** Dead letters the DLQ consumer failed on repeatedly (poison messages), kept for a person; nothing consumes it. */
export const deadLetterParking = new sst.aws.Queue('DeadLetterParking', DEAD_LETTER_PARKING_QUEUE_ARGS);

/** Dead letters of the work queue; its consumer turns them into failed result lines (see `functions.ts`). */
export const deadLetterQueue = new sst.aws.Queue(
  'WorkDeadLetters',
  deadLetterQueueArgs(deadLetterParking.arn),
);

/** Work items (`WorkMessage` JSON): chunks to run and jobs to finalize. */
export const workQueue = new sst.aws.Queue('Work', workQueueArgs(deadLetterQueue.arn));

/** S3 events whose fan-out failed for good (the fan-out's on-failure destination; see `functions.ts`). */
export const fanOutFailures = new sst.aws.Queue('FanOutFailures', FAN_OUT_FAILURES_QUEUE_ARGS);

import { DEAD_LETTER_QUEUE_ARGS, FAN_OUT_FAILURES_QUEUE_ARGS, workQueueArgs } from './args/queues';

/** Dead letters of the work queue; its consumer turns them into failed result lines (see `functions.ts`). */
export const deadLetterQueue = new sst.aws.Queue('WorkDeadLetters', DEAD_LETTER_QUEUE_ARGS);

/** Work items (`WorkMessage` JSON): chunks to run and jobs to finalize. */
export const workQueue = new sst.aws.Queue('Work', workQueueArgs(deadLetterQueue.arn));

/** S3 events whose fan-out failed for good (the fan-out's on-failure destination; see `functions.ts`). */
export const fanOutFailures = new sst.aws.Queue('FanOutFailures', FAN_OUT_FAILURES_QUEUE_ARGS);

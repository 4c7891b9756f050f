import { DEAD_LETTER_HANDLER, FAN_OUT_HANDLER, functionArgs, WORKER_HANDLER } from './args/handlers';
import { DEAD_LETTER_SUBSCRIPTION, fanOutNotification, WORKER_SUBSCRIPTION } from './args/triggers';
import { link } from './links';
import { deadLetterQueue, workQueue } from './queue';
import { endpointEnv } from './secrets';
import { inputs } from './storage';

/** Fan-out: started by uploads to the input bucket. */
export const fanOut = inputs.notify(fanOutNotification(functionArgs(FAN_OUT_HANDLER, link, endpointEnv)));

/** Workers: consume the work queue (SQS allows one subscriber per queue). */
export const worker = workQueue.subscribe(
  functionArgs(WORKER_HANDLER, link, endpointEnv),
  WORKER_SUBSCRIPTION,
);

/** DLQ consumer: turns dead-lettered work into failed result lines. */
export const deadLetterConsumer = deadLetterQueue.subscribe(
  functionArgs(DEAD_LETTER_HANDLER, link, endpointEnv),
  DEAD_LETTER_SUBSCRIPTION,
);

import {
  DEAD_LETTER_HANDLER,
  FAN_OUT_FAILURE_HANDLER,
  FAN_OUT_HANDLER,
  functionArgs,
  SWEEPER_HANDLER,
  WORKER_HANDLER,
  withOnFailureDestination,
} from './args/handlers';
import {
  DEAD_LETTER_SUBSCRIPTION,
  FAN_OUT_FAILURE_SUBSCRIPTION,
  fanOutNotification,
  sweeperSchedule,
  WORKER_SUBSCRIPTION,
} from './args/triggers';
import { link } from './links';
import { deadLetterQueue, fanOutFailures, workQueue } from './queue';
import { recursionConfig } from './recursion';
import { endpointEnv } from './secrets';
import { inputs } from './storage';

/**
 * Fan-out: started by uploads to the input bucket (an async invocation). After its retries, a failed
 * event goes to `fanOutFailures` instead of being dropped.
 */
export const fanOut = inputs.notify(
  fanOutNotification(
    withOnFailureDestination(functionArgs(FAN_OUT_HANDLER, link, endpointEnv), fanOutFailures.arn),
  ),
);

/** Fan-out failure consumer: ends the job of each failed upload `failed` (`fan_out_failed`). */
export const fanOutFailureConsumer = fanOutFailures.subscribe(
  functionArgs(FAN_OUT_FAILURE_HANDLER, link, endpointEnv),
  FAN_OUT_FAILURE_SUBSCRIPTION,
);

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

/** Sweeper: resumes or ends jobs whose steps stopped making progress, on a schedule. */
export const sweeper = new sst.aws.CronV2(
  'Sweeper',
  sweeperSchedule(functionArgs(SWEEPER_HANDLER, link, endpointEnv)),
);

/** The fan-out function's name (the notification's only function). */
export const fanOutFunctionName = fanOut.nodes.functions.apply((functions) => {
  const [fn] = functions;
  if (fn === undefined) throw new Error('the input bucket notification has no function');
  return fn;
}).name;

recursionConfig('FanOut', fanOutFunctionName, FAN_OUT_HANDLER);
recursionConfig('FanOutFailureConsumer', fanOutFailureConsumer.nodes.function.name, FAN_OUT_FAILURE_HANDLER);
recursionConfig('Worker', worker.nodes.function.name, WORKER_HANDLER);
recursionConfig('DeadLetterConsumer', deadLetterConsumer.nodes.function.name, DEAD_LETTER_HANDLER);
recursionConfig('Sweeper', sweeper.nodes.function.name, SWEEPER_HANDLER);

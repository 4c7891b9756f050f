import { functionArgs } from './args/handlers';
import {
  LABELLING_EVENTS_HANDLER,
  LABELLING_TICK_HANDLER,
  LABELLING_TICK_MINUTES,
} from './args/labelling-handlers';
import { labellingEvents } from './labelling-resources';
import { link } from './links';
import { recursionConfig } from './recursion';
import { endpointEnv } from './secrets';

/**
 * The labelling schedule: one EventBridge schedule every few minutes runs each task whose own cron is
 * due (a task's schedule lives in its document, so adding a task needs no deploy). No scheduler
 * retries: a tick the next run sees again is claimed once.
 */
export const labellingTick = new sst.aws.CronV2('LabellingTick', {
  function: functionArgs(LABELLING_TICK_HANDLER, link, endpointEnv),
  schedule: `rate(${LABELLING_TICK_MINUTES} minutes)`,
  retries: 0,
});

/** The consumer of job finished events, with partial batch responses (a failed event comes back alone). */
export const labellingEventsConsumer = labellingEvents.subscribe(
  functionArgs(LABELLING_EVENTS_HANDLER, link, endpointEnv),
  { batch: { size: 5, partialResponses: true } },
);

recursionConfig('LabellingTick', labellingTick.nodes.function.name, LABELLING_TICK_HANDLER);
recursionConfig('LabellingEvents', labellingEventsConsumer.nodes.function.name, LABELLING_EVENTS_HANDLER);

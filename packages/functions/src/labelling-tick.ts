import { type LabellingDeps, runDueLabellingTasks } from '@thinkbatch/labelling';
import { onceLabellingDeps } from './labelling-deps';

/** How often the tick runs (`infra/args/labelling-handlers.ts` schedules it): the window it looks back over. */
export const LABELLING_TICK_MINUTES = 5;

/**
 * The schedule's tick: every stored task whose cron fired in the last two tick periods runs under the
 * time it was due. Two periods, so a late invocation misses no tick; a tick seen twice is claimed once.
 */
export function createLabellingTickHandler(getDeps: () => LabellingDeps) {
  return async () => {
    const deps = getDeps();
    const outcomes = await runDueLabellingTasks(
      deps,
      new Date(deps.clock.now()),
      2 * LABELLING_TICK_MINUTES * 60_000,
    );
    deps.log.info('labelling tick', { outcomes });
    return outcomes;
  };
}

export const handler = createLabellingTickHandler(onceLabellingDeps());

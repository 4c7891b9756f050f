import { type SweepReport, sweepStalledJobs } from '@thinkbatch/core';
import { type DepsProvider, once } from './deps-provider';
import { depsFromEnvironment } from './environment';

/**
 * The sweeper, run on a schedule: resumes or ends jobs whose steps stopped making progress (see
 * `sweepStalledJobs`). A job it could not handle is in the report and the log; the next run tries again.
 */
export function createSweeperHandler(getDeps: DepsProvider): () => Promise<SweepReport> {
  return async () => {
    const deps = await getDeps();
    return sweepStalledJobs(deps, deps.clock.now());
  };
}

export const handler = createSweeperHandler(once(depsFromEnvironment));

import type { JobFinishedEvent } from '@thinkbatch/core';
import { Cron } from 'croner';
import { type AdvanceRunOutcome, advanceLabellingRun } from './advance-labelling-run';
import type { LabellingDeps } from './labelling-deps';
import { LABELLING_METADATA } from './labelling-keys';
import type { LabellingTask } from './labelling-task';
import { listLabellingTasks } from './labelling-tasks';
import { type StartRunOutcome, startLabellingRun } from './start-labelling-run';

/**
 * A pipeline job ended: if it belongs to a labelling run, take the run further (re-ask, or write its
 * outputs). Other jobs are ignored. Safe to deliver twice.
 */
export async function handleLabellingJobFinished(
  deps: LabellingDeps,
  event: JobFinishedEvent,
): Promise<AdvanceRunOutcome | null> {
  const taskId = event.metadata[LABELLING_METADATA.task];
  const runId = event.metadata[LABELLING_METADATA.run];
  if (taskId === undefined || runId === undefined) return null;
  return advanceLabellingRun(deps, taskId, runId);
}

/**
 * The latest time `schedule` fired in (`now` − `windowMs`, `now`], or null. A periodic trigger (the
 * cloud's CronV2) runs every task whose schedule fired since its last call, each under the time it
 * was due: a trigger that fires twice names the same tick, and the run claim makes it one run.
 */
export function dueTick(schedule: string, now: Date, windowMs: number): Date | null {
  const cron = new Cron(schedule, { timezone: 'UTC', paused: true });
  let due: Date | null = null;
  let next = cron.nextRun(new Date(now.getTime() - windowMs));
  while (next !== null && next.getTime() <= now.getTime()) {
    due = next;
    next = cron.nextRun(next);
  }
  cron.stop();
  return due;
}

/** Run every stored task that is due (see `dueTick`); a task that fails is logged, the others go on. */
export async function runDueLabellingTasks(
  deps: LabellingDeps,
  now: Date,
  windowMs: number,
): Promise<
  { readonly taskId: string; readonly outcome: StartRunOutcome | { kind: 'error'; message: string } }[]
> {
  const outcomes = [];
  for (const task of await listLabellingTasks(deps)) {
    const tick = dueTick(task.schedule, now, windowMs);
    if (tick === null) continue;
    outcomes.push({ taskId: task.id, outcome: await runTaskTick(deps, task, tick) });
  }
  return outcomes;
}

async function runTaskTick(
  deps: LabellingDeps,
  task: LabellingTask,
  tick: Date,
): Promise<StartRunOutcome | { kind: 'error'; message: string }> {
  try {
    return await startLabellingRun(deps, task, tick);
  } catch (error) {
    deps.log.error('labelling tick failed', {
      taskId: task.id,
      tick: tick.toISOString(),
      error: String(error),
    });
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}

/** The embedded scheduler: one croner job per task, each tick named by its scheduled time. */
export interface LabellingScheduler {
  stop(): void;
}

/**
 * Schedule `tasks` in this process (croner, UTC). A tick that is still running when the next is due is
 * not started twice (`protect`); across processes the run claim keeps a tick to one run.
 */
export function scheduleLabellingTasks(
  deps: LabellingDeps,
  tasks: readonly LabellingTask[],
  onTick?: (taskId: string, outcome: StartRunOutcome | { kind: 'error'; message: string }) => void,
): LabellingScheduler {
  const jobs = tasks.map(
    (task) =>
      new Cron(
        task.schedule,
        { timezone: 'UTC', protect: true, name: `labelling:${task.id}` },
        async (self: Cron) => {
          const tick = self.currentRun() ?? new Date(deps.clock.now());
          onTick?.(task.id, await runTaskTick(deps, task, tick));
        },
      ),
  );
  return {
    stop: () => {
      for (const job of jobs) job.stop();
    },
  };
}

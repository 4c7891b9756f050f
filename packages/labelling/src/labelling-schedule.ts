import type { JobFinishedEvent } from '@thinkbatch/core';
import { Cron } from 'croner';
import { type AdvanceRunOutcome, advanceLabellingRun } from './advance-labelling-run';
import type { LabellingDeps } from './labelling-deps';
import { LABELLING_METADATA } from './labelling-keys';
import type { LabellingTask } from './labelling-task';
import { getLabellingTask, listLabellingTasks } from './labelling-tasks';
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

/** The embedded scheduler over the stored tasks: `refresh` after a task is stored. */
export interface StoredTaskScheduler {
  /** Read the stored tasks again: schedule new ones, reschedule changed schedules, drop removed ones. */
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * Schedule every stored task in this process (croner, UTC), as the cloud's tick does: each firing runs
 * the task as stored at that moment, named by its scheduled time.
 */
export function scheduleStoredLabellingTasks(
  deps: LabellingDeps,
  onTick?: (taskId: string, outcome: StartRunOutcome | { kind: 'error'; message: string }) => void,
): StoredTaskScheduler {
  const scheduled = new Map<string, { schedule: string; cron: Cron }>();
  let stopped = false;
  return {
    refresh: async () => {
      const tasks = await listLabellingTasks(deps);
      if (stopped) return;
      const ids = new Set(tasks.map((task) => task.id));
      for (const [id, entry] of scheduled) {
        if (ids.has(id)) continue;
        entry.cron.stop();
        scheduled.delete(id);
      }
      for (const task of tasks) {
        const current = scheduled.get(task.id);
        if (current?.schedule === task.schedule) continue;
        current?.cron.stop();
        const cron = new Cron(
          task.schedule,
          { timezone: 'UTC', protect: true, name: `labelling:${task.id}` },
          async (self: Cron) => {
            const tick = self.currentRun() ?? new Date(deps.clock.now());
            const latest = await getLabellingTask(deps, task.id).catch(() => null);
            if (latest === null) return;
            onTick?.(task.id, await runTaskTick(deps, latest, tick));
          },
        );
        scheduled.set(task.id, { schedule: task.schedule, cron });
      }
    },
    stop: () => {
      stopped = true;
      for (const entry of scheduled.values()) entry.cron.stop();
      scheduled.clear();
    },
  };
}

import { readJsonObject, writeJsonObject } from './json-objects';
import type { LabellingDeps } from './labelling-deps';
import { LabellingError } from './labelling-error';
import { LABELLING_STATE_PREFIX, labellingKeys } from './labelling-keys';
import { LabellingReport, OpenRun } from './labelling-run-records';
import { type LabellingTask, parseLabellingTask, TASK_ID_PATTERN } from './labelling-task';

/** Validate and store a task (its id names it: storing it again replaces it). */
export async function saveLabellingTask(
  deps: Pick<LabellingDeps, 'store'>,
  value: unknown,
): Promise<LabellingTask> {
  const task = parseLabellingTask(value);
  if (task.dataset.prefix.startsWith(LABELLING_STATE_PREFIX))
    throw new LabellingError(`labelling task: dataset.prefix must not be under ${LABELLING_STATE_PREFIX}`);
  await writeJsonObject(deps.store, labellingKeys.task(task.id), task);
  return task;
}

/** A stored task, or null. */
export async function getLabellingTask(
  deps: Pick<LabellingDeps, 'store'>,
  taskId: string,
): Promise<LabellingTask | null> {
  if (!TASK_ID_PATTERN.test(taskId)) return null;
  const stored = await readJsonObject(deps.store, labellingKeys.task(taskId), { parse: parseLabellingTask });
  return stored;
}

/** Every stored task, by id. A stored document that no longer validates is skipped and logged. */
export async function listLabellingTasks(
  deps: Pick<LabellingDeps, 'store' | 'log'>,
): Promise<LabellingTask[]> {
  const tasks: LabellingTask[] = [];
  for await (const key of deps.store.list(labellingKeys.tasksPrefix)) {
    const id = key.slice(labellingKeys.tasksPrefix.length).replace(/\.json$/, '');
    try {
      const task = await getLabellingTask(deps, id);
      if (task !== null) tasks.push(task);
    } catch (error) {
      deps.log.warn('stored labelling task is invalid', { key, error: String(error) });
    }
  }
  return tasks;
}

/** A task's state: the task, its run in progress (if any) and its latest finished runs, newest first. */
export interface LabellingTaskStatus {
  readonly task: LabellingTask;
  readonly openRun: { readonly runId: string; readonly tick: string } | null;
  readonly runs: readonly LabellingReport[];
}

/** The status of a stored task (null when there is none), with at most `limit` finished runs. */
export async function labellingTaskStatus(
  deps: Pick<LabellingDeps, 'store' | 'log'>,
  taskId: string,
  limit = 20,
): Promise<LabellingTaskStatus | null> {
  const task = await getLabellingTask(deps, taskId);
  if (task === null) return null;
  const openRun = await readJsonObject(deps.store, labellingKeys.openRun(taskId), OpenRun);
  const runs: LabellingReport[] = [];
  for await (const key of deps.store.list(labellingKeys.runsPrefix(taskId))) {
    if (!key.endsWith('/report.json')) continue;
    const report = await readJsonObject(deps.store, key, LabellingReport);
    if (report !== null) runs.push(report);
  }
  runs.sort((a, b) => (a.tick < b.tick ? 1 : a.tick > b.tick ? -1 : 0));
  return { task, openRun, runs: runs.slice(0, limit) };
}

import { readJsonObject, writeJsonObject } from './json-objects';
import type { LabellingDeps } from './labelling-deps';
import { LabellingError } from './labelling-error';
import { LABELLING_STATE_PREFIX, labellingKeys } from './labelling-keys';
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

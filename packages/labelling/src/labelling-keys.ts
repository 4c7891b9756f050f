import { createHash } from 'node:crypto';

/** Every object labelling keeps for itself lives under this prefix of the labelling bucket. */
export const LABELLING_STATE_PREFIX = 'thinkbatch/';

const short = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 24);

/** Object keys of a task's documents, state, cache and runs in the labelling bucket. */
export const labellingKeys = {
  tasksPrefix: `${LABELLING_STATE_PREFIX}tasks/`,
  task: (taskId: string) => `${LABELLING_STATE_PREFIX}tasks/${taskId}.json`,
  /** The run of the task that is not finished yet, if any: a tick finds it and waits (or finishes it). */
  openRun: (taskId: string) => `${LABELLING_STATE_PREFIX}state/${taskId}/open-run.json`,
  /** The version of a dataset file a finished run labelled (an unchanged file is not read again). */
  fileSeen: (taskId: string, fileKey: string) =>
    `${LABELLING_STATE_PREFIX}state/${taskId}/files/${short(fileKey)}.json`,
  cacheEntry: (taskId: string, fingerprint: string, rowHash: string) =>
    `${LABELLING_STATE_PREFIX}cache/${taskId}/${fingerprint}/${rowHash}.json`,
  runPrefix: (taskId: string, runId: string) => `${LABELLING_STATE_PREFIX}runs/${taskId}/${runId}/`,
  runsPrefix: (taskId: string) => `${LABELLING_STATE_PREFIX}runs/${taskId}/`,
} as const;

/** A run's id: the same task, task version and scheduled time always give the same id. */
export function labellingRunId(taskId: string, fingerprint: string, tick: Date): string {
  return `lbl-${createHash('sha256').update(`${taskId}\n${fingerprint}\n${tick.toISOString()}`).digest('hex').slice(0, 32)}`;
}

/** The job that labels a run's rows, and the one that re-asks its refused answers. */
export const runJobIds = {
  label: (runId: string) => `${runId}-label`,
  reask: (runId: string) => `${runId}-reask`,
} as const;

/** Job metadata keys that tie a pipeline job to its labelling run. */
export const LABELLING_METADATA = {
  task: 'thinkbatch_labelling_task',
  run: 'thinkbatch_labelling_run',
  phase: 'thinkbatch_labelling_phase',
} as const;

/** A sample's custom_id: the row's content hash and the sample's index. */
export function sampleCustomId(rowHash: string, sample: number): string {
  return `${rowHash}-s${sample}`;
}

/** The row hash and sample index of a sample's custom_id; null for anything else. */
export function parseSampleCustomId(customId: string): { rowHash: string; sample: number } | null {
  const match = /^([0-9a-f]{64})-s(\d{1,2})$/.exec(customId);
  if (match?.[1] === undefined || match[2] === undefined) return null;
  return { rowHash: match[1], sample: Number(match[2]) };
}

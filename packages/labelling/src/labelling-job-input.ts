import type { JobMetadata, JobOptions } from '@thinkbatch/core';
import type { LabellingJobLine } from './labelling-job';
import { LABELLING_METADATA, sampleCustomId } from './labelling-keys';
import type { LabellingTask } from './labelling-task';

/** `samples` lines per row, each the row's one user turn (no system prompt, as R1 advises). */
export function labellingJobLines(
  rows: readonly { readonly hash: string; readonly prompt: string }[],
  samples: number,
): LabellingJobLine[] {
  return rows.flatMap((row) =>
    Array.from({ length: samples }, (_, sample) => ({
      custom_id: sampleCustomId(row.hash, sample),
      messages: [{ role: 'user' as const, content: row.prompt }],
    })),
  );
}

/** The job's chat parameters: the task's, on the task's model. */
export function labellingJobOptions(task: LabellingTask, model: string): JobOptions {
  return {
    model,
    temperature: task.params.temperature,
    max_tokens: task.params.max_tokens,
    ...(task.params.top_p !== undefined && { top_p: task.params.top_p }),
  };
}

/** Ties a job to its run, so the run hears of the job's end. */
export function labellingMetadata(taskId: string, runId: string, phase: 'label' | 'reask'): JobMetadata {
  return {
    [LABELLING_METADATA.task]: taskId,
    [LABELLING_METADATA.run]: runId,
    [LABELLING_METADATA.phase]: phase,
  };
}

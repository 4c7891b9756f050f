import { createHash } from 'node:crypto';
import { parse } from '@thinkbatch/core';
import { Cron } from 'croner';
import { z } from 'zod';
import { compileLabelSpace } from './label-space';
import { LabellingError } from './labelling-error';
import { compilePromptTemplate } from './prompt-template';

/** A task id: what its objects and runs are named by. */
export const TASK_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,47}$/;

const cron = z.string().refine(
  (pattern) => {
    try {
      new Cron(pattern, { paused: true }).stop();
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be a cron expression (minute hour day month weekday, optionally seconds first)' },
);

/**
 * A labelling task: which dataset files to watch, how to ask the model, what counts as a label, how
 * often and at what cost. Validated by zod wherever it enters (API, CLI, the stored document).
 */
export const LabellingTask = z.strictObject({
  /** Names the task's objects and runs. */
  id: z
    .string()
    .regex(TASK_ID_PATTERN, { error: 'must be 1–48 of a-z 0-9 _ - (starting with a letter or digit)' }),
  /** Bump it to label every row again (the label cache is keyed by it). @default 1 */
  version: z.number().int().positive().default(1),
  dataset: z.strictObject({
    /** Key prefix of the dataset files in the labelling bucket, e.g. `datasets/reviews/`. */
    prefix: z
      .string()
      .min(1)
      .max(512)
      .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
        error: 'must be a relative key prefix',
      }),
    /** `jsonl`: one JSON object per line; `csv`: a header row, then one row per line. */
    format: z.enum(['jsonl', 'csv']),
  }),
  /** The user turn: `instructions`, the rendered template, then what the label space allows. */
  prompt: z.strictObject({
    /** Row fields in `{{field}}`; `\{{` for a literal `{{`. */
    template: z.string().min(1).max(20_000),
    /** Said before the row. @default "" */
    instructions: z.string().max(20_000).default(''),
    /** Ask for the final label within `\boxed{}`, as R1's model card advises. @default true */
    boxed: z.boolean().default(true),
  }),
  /** An enum of labels, or a JSON schema structured labels must match. */
  labels: z.union([
    z.strictObject({ enum: z.array(z.string().min(1).max(200)).min(2).max(200) }),
    z.strictObject({ schema: z.record(z.string(), z.unknown()) }),
  ]),
  /** @default the deployment's model */
  model: z.string().min(1).max(256).optional(),
  /** Chat parameters. R1's advice is the default: temperature 0.6, no system prompt. */
  params: z
    .strictObject({
      temperature: z.number().min(0).max(2).default(0.6),
      top_p: z.number().gt(0).max(1).optional(),
      /** Bounds every call, and so what the spending cap must reserve for it. @default 4096 */
      max_tokens: z.number().int().positive().max(131_072).default(4096),
    })
    .prefault({}),
  /** Samples per row; the label is their majority, `agreement` the share that voted for it. @default 1 */
  samples: z.number().int().min(1).max(15).default(1),
  /** Ask once more, with a corrective prompt, when an answer holds no valid label. @default true */
  reask: z.boolean().default(true),
  /** When the schedule runs the task (cron, UTC). @default hourly */
  schedule: cron.default('0 * * * *'),
  /**
   * Most one run may spend, in tokens and/or estimated USD. Every call is bounded by `max_tokens`, so a
   * run admits rows only while their worst case fits: it never spends more. Rows left out are labelled by
   * the next run.
   */
  spendingCap: z
    .strictObject({
      tokens: z.number().int().positive().optional(),
      /** Estimated USD, at the deployment's prices for the task's model (a run refuses to start without one). */
      usd: z.number().positive().optional(),
    })
    .refine((cap) => cap.tokens !== undefined || cap.usd !== undefined, { error: 'needs tokens or usd' })
    .optional(),
});
export type LabellingTask = z.output<typeof LabellingTask>;
export type LabellingTaskInput = z.input<typeof LabellingTask>;

/** Validate a task document (template and label space compiled too); throws `LabellingError`. */
export function parseLabellingTask(value: unknown): LabellingTask {
  const task = parse(LabellingTask, value, 'labelling task', LabellingError);
  compilePromptTemplate(task.prompt.template);
  compileLabelSpace(task.labels);
  return task;
}

/**
 * What a label depends on: the task's version, prompt, labels, model and chat parameters, samples.
 * Rows labelled under the same fingerprint are reused from the cache; any change labels them again.
 */
export function taskFingerprint(task: LabellingTask, defaultModel: string): string {
  const basis = JSON.stringify([
    task.version,
    task.prompt,
    task.labels,
    task.model ?? defaultModel,
    task.params,
    task.samples,
  ]);
  return createHash('sha256').update(basis).digest('hex').slice(0, 32);
}

import { PriceTable } from '@thinkbatch/core';
import { z } from 'zod';
import { LabellingTask } from './labelling-task';

const Label = z.union([z.string(), z.record(z.string(), z.unknown())]);

/** One answer of a row, as the labelled file shows it. */
export const SampleAnswer = z.object({
  answer: z.string().nullable(),
  label: Label.nullable(),
  /** Why the answer holds no label (or why there is no answer). */
  error: z.string().nullable(),
  /** The answer to the corrective re-ask, when this answer was refused and re-asked. */
  reask: z
    .object({ answer: z.string().nullable(), label: Label.nullable(), error: z.string().nullable() })
    .nullable(),
});
export type SampleAnswer = z.infer<typeof SampleAnswer>;

/** What a row got: stored in the label cache, written into the labelled file. */
export const RowLabel = z.object({
  label: Label.nullable(),
  agreement: z.number().min(0).max(1),
  reasoning: z.string().nullable(),
  answers: z.array(SampleAnswer),
  label_error: z.string().nullable(),
});
export type RowLabel = z.infer<typeof RowLabel>;

/** A row of a scanned dataset file, in file order: its hash, or why it could not be read. */
const ManifestRow = z.union([
  z.object({ hash: z.string() }),
  z.object({ unreadable: z.string(), reason: z.string() }),
]);

/**
 * Everything a run decided when it was claimed, so finishing it needs no re-read of the dataset: the
 * files and their rows, what the cache gave, what is asked, what the spending cap left out.
 */
export const RunManifest = z.object({
  runId: z.string(),
  taskId: z.string(),
  tick: z.string(),
  fingerprint: z.string(),
  model: z.string(),
  task: LabellingTask,
  files: z.array(z.object({ key: z.string(), etag: z.string(), rows: z.array(ManifestRow) })),
  /** The fields of every distinct row, by hash. */
  rows: z.record(z.string(), z.record(z.string(), z.unknown())),
  /** Rows found in the label cache. */
  reused: z.record(z.string(), RowLabel),
  /** Rows sent to the model, in order; their prompts are rendered again from `rows`. */
  asked: z.array(z.string()),
  /** Rows whose template could not be filled: never sent. */
  unrenderable: z.record(z.string(), z.string()),
  /** Rows the spending cap left for a later run. */
  deferred: z.array(z.string()),
  /** Worst-case tokens of the asked calls (what the cap admitted). */
  reservedTokens: z.number().int().nonnegative(),
  /** Worst-case USD of the asked calls, when the model has a price. */
  reservedUsd: z.number().nonnegative().nullable(),
  /** The run's spending limit, with the model's price as it was when the run started. */
  limit: z
    .object({ tokens: z.number().nullable(), usd: z.number().nullable(), price: PriceTable.nullable() })
    .nullable(),
});
export type RunManifest = z.infer<typeof RunManifest>;

/** `report.json` of a run. */
export const LabellingReport = z.object({
  task_id: z.string(),
  run_id: z.string(),
  tick: z.string(),
  /** `completed`, or `spending_cap` when the cap left rows for a later run. */
  status: z.enum(['completed', 'spending_cap']),
  files: z.array(z.string()),
  output: z.string(),
  rows_seen: z.number().int(),
  rows_reused: z.number().int(),
  rows_labelled: z.number().int(),
  rows_invalid: z.number().int(),
  rows_deferred: z.number().int(),
  rows_unreadable: z.number().int(),
  label_distribution: z.record(z.string(), z.number().int()),
  samples_per_row: z.number().int(),
  answers_reasked: z.number().int(),
  tokens: z.object({
    prompt: z.number().int(),
    completion: z.number().int(),
    reasoning: z.number().int(),
    total: z.number().int(),
    /** Lines that called the endpoint without usage: their tokens are in no total. */
    lines_with_unknown_usage: z.number().int(),
  }),
  /** Estimated USD of the run's jobs, when the deployment has prices; null otherwise. */
  cost: z.number().nullable(),
  spending_cap: z
    .object({
      tokens: z.number().int().nullable(),
      usd: z.number().nullable(),
      /** The worst case of what the run admitted: what it could have spent at most. */
      reserved_tokens: z.number().int(),
      reserved_usd: z.number().nullable(),
      used_tokens: z.number().int(),
    })
    .nullable(),
  jobs: z.array(z.string()),
});
export type LabellingReport = z.infer<typeof LabellingReport>;

/** The open-run pointer and the seen-file marker. */
export const OpenRun = z.object({ runId: z.string(), tick: z.string() });
export const FileSeen = z.object({
  key: z.string(),
  etag: z.string(),
  fingerprint: z.string(),
  runId: z.string(),
});

import { advanceLabellingRun } from './advance-labelling-run';
import { readDatasetRows } from './dataset-rows';
import { finishLabellingRun } from './finish-labelling-run';
import { readJsonObject, writeJsonObject } from './json-objects';
import { compileLabelSpace } from './label-space';
import type { LabellingDeps } from './labelling-deps';
import { ensureLabellingJob } from './labelling-job';
import { labellingJobLines, labellingJobOptions, labellingMetadata } from './labelling-job-input';
import { LABELLING_STATE_PREFIX, labellingKeys, labellingRunId, runJobIds } from './labelling-keys';
import { labellingPrompt } from './labelling-prompt';
import { FileSeen, type LabellingReport, OpenRun, RowLabel, type RunManifest } from './labelling-run-records';
import { type LabellingTask, taskFingerprint } from './labelling-task';
import { compilePromptTemplate } from './prompt-template';
import {
  admitWithinCap,
  shareOfLimit,
  spendingLimit,
  type WorstCase,
  worstCaseCall,
  worstCaseUsd,
} from './spending-cap';

/** What a tick did for a task. */
export type StartRunOutcome =
  /** The run's job was created: the run finishes when the job's finished event arrives. */
  | { readonly kind: 'started'; readonly runId: string; readonly jobId: string }
  /** Nothing had to be asked (every row came from the cache): the outputs are written already. */
  | { readonly kind: 'finished'; readonly runId: string; readonly report: LabellingReport }
  /** This tick was claimed already (a double-fired schedule): nothing done. */
  | { readonly kind: 'duplicate'; readonly runId: string }
  /** An earlier run of the task is still going: this tick waits for the next. */
  | { readonly kind: 'busy'; readonly runId: string }
  /** No new or changed dataset file. */
  | { readonly kind: 'nothing_new' };

export interface StartRunOptions {
  /**
   * `changed`: only files that are new or changed since a finished run (the schedule); `all`: every
   * file, each row from the cache when it was labelled before (`label run`). @default 'changed'
   */
  readonly scope?: 'changed' | 'all';
}

/**
 * One tick of a task's schedule. The run is named by the task, its version and the scheduled time, and
 * its job by the run: a tick that fires twice finds the job the first created and does nothing. An
 * earlier run still going makes the tick wait (a finished one whose event was lost is finished here).
 * The run scans the dataset files, takes every row it can from the label cache, admits the rest within
 * the spending cap and submits them as one job through the pipeline.
 */
export async function startLabellingRun(
  deps: LabellingDeps,
  task: LabellingTask,
  tick: Date,
  options: StartRunOptions = {},
): Promise<StartRunOutcome> {
  const open = await readJsonObject(deps.store, labellingKeys.openRun(task.id), OpenRun);
  if (open !== null) {
    const earlier = await advanceLabellingRun(deps, task.id, open.runId);
    if (earlier.kind === 'running') return { kind: 'busy', runId: open.runId };
  }
  const model = task.model ?? deps.defaultModel;
  const fingerprint = taskFingerprint(task, deps.defaultModel);
  const runId = labellingRunId(task.id, fingerprint, tick);
  const runPrefix = labellingKeys.runPrefix(task.id, runId);
  if ((await deps.store.head(`${runPrefix}report.json`)) !== null) return { kind: 'duplicate', runId };
  if ((await deps.jobs.getJob(runJobIds.label(runId))) !== null) return { kind: 'duplicate', runId };

  const files = await scanDataset(deps, task, fingerprint, options.scope ?? 'changed');
  if (files.length === 0) return { kind: 'nothing_new' };

  const template = compilePromptTemplate(task.prompt.template);
  const space = compileLabelSpace(task.labels);
  const manifest: RunManifest = {
    runId,
    taskId: task.id,
    tick: tick.toISOString(),
    fingerprint,
    model,
    task,
    files: [],
    rows: {},
    reused: {},
    asked: [],
    unrenderable: {},
    deferred: [],
    reservedTokens: 0,
    reservedUsd: null,
    limit: null,
  };
  const price = deps.prices?.[model] ?? null;
  const limit = spendingLimit(task.spendingCap, price, model);
  manifest.limit = limit;
  const toAsk: { hash: string; prompt: string }[] = [];
  for (const file of files) {
    const rows = file.rows.map((row) =>
      row.kind === 'row' ? { hash: row.hash } : { unreadable: row.text, reason: row.reason },
    );
    manifest.files.push({ key: file.key, etag: file.etag, rows });
    for (const row of file.rows) {
      if (row.kind !== 'row' || Object.hasOwn(manifest.rows, row.hash)) continue;
      manifest.rows[row.hash] = row.fields;
      const cached = await readJsonObject(
        deps.store,
        labellingKeys.cacheEntry(task.id, fingerprint, row.hash),
        RowLabel,
      );
      if (cached !== null) {
        manifest.reused[row.hash] = cached;
        continue;
      }
      try {
        toAsk.push({ hash: row.hash, prompt: labellingPrompt(task, template, space, row.fields) });
      } catch (error) {
        manifest.unrenderable[row.hash] = error instanceof Error ? error.message : String(error);
      }
    }
  }
  const worstOf = (item: { prompt: string }): WorstCase => {
    const call = worstCaseCall([item.prompt], task.params.max_tokens);
    return {
      promptTokens: task.samples * call.promptTokens,
      completionTokens: task.samples * call.completionTokens,
    };
  };
  const { admitted, left } = admitWithinCap(
    toAsk,
    (item) => (limit === null ? 0 : shareOfLimit(worstOf(item), limit)),
    limit === null ? null : 1,
  );
  manifest.asked = admitted.map((item) => item.hash);
  manifest.deferred = left.map((item) => item.hash);
  const worst = admitted.map(worstOf);
  manifest.reservedTokens = worst.reduce((sum, w) => sum + w.promptTokens + w.completionTokens, 0);
  manifest.reservedUsd = price === null ? null : worst.reduce((sum, w) => sum + worstCaseUsd(w, price), 0);

  if (admitted.length === 0) {
    await writeJsonObject(deps.store, `${runPrefix}manifest.json`, manifest);
    const report = await finishLabellingRun(deps, manifest, { label: null, reask: null });
    return { kind: 'finished', runId, report };
  }
  const jobId = runJobIds.label(runId);
  const { created } = await ensureLabellingJob(deps, {
    jobId,
    lines: labellingJobLines(admitted, task.samples),
    options: labellingJobOptions(task, model),
    metadata: labellingMetadata(task.id, runId, 'label'),
    beforeUpload: async () => {
      await writeJsonObject(deps.store, `${runPrefix}manifest.json`, manifest);
      await writeJsonObject(deps.store, labellingKeys.openRun(task.id), { runId, tick: manifest.tick });
    },
  });
  if (!created) return { kind: 'duplicate', runId };
  deps.log.info('labelling run started', {
    taskId: task.id,
    runId,
    jobId,
    rows: admitted.length,
    reused: Object.keys(manifest.reused).length,
    deferred: left.length,
  });
  return { kind: 'started', runId, jobId };
}

interface ScannedFile {
  readonly key: string;
  readonly etag: string;
  readonly rows: ReturnType<typeof readDatasetRows>;
}

/** The task's dataset files (new or changed ones for `changed`), read, in key order. */
async function scanDataset(
  deps: LabellingDeps,
  task: LabellingTask,
  fingerprint: string,
  scope: 'changed' | 'all',
): Promise<ScannedFile[]> {
  const files: ScannedFile[] = [];
  for await (const key of deps.store.list(task.dataset.prefix)) {
    if (key.endsWith('/') || key.startsWith(LABELLING_STATE_PREFIX)) continue;
    const info = await deps.store.head(key);
    if (info === null) continue;
    if (scope === 'changed') {
      const seen = await readJsonObject(deps.store, labellingKeys.fileSeen(task.id, key), FileSeen);
      if (seen !== null && seen.etag === info.etag && seen.fingerprint === fingerprint) continue;
    }
    const body = await deps.store.get(key, { ifMatch: info.etag });
    if (body === null) continue;
    try {
      files.push({ key, etag: info.etag, rows: readDatasetRows(body, task.dataset.format) });
    } catch (error) {
      const reason = `the file cannot be read as ${task.dataset.format}: ${String(error)}`;
      files.push({ key, etag: info.etag, rows: [{ kind: 'unreadable', text: '', reason }] });
    }
  }
  return files;
}

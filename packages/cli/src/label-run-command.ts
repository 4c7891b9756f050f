import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { LOCAL_SIMULATOR_LIMITS } from '@thinkbatch/core';
import {
  LabellingError,
  type LabellingReport,
  type LabellingTask,
  labellingKeys,
  parseLabellingTask,
  saveLabellingTask,
  startLabellingRun,
} from '@thinkbatch/labelling';
import { createOpenAIModelClient } from '@thinkbatch/openai-model-client';
import { startSimulator } from '@thinkbatch/simulator';
import { createFileLogger } from './file-logger';
import { startLocalLabelling } from './label-local';
import { readPriceListFile } from './price-list-file';
import type { CommandIo } from './run-command';
import { UsageError } from './usage-error';

/** The flags of `thinkbatch label run`, parsed. */
export interface LabelRunOptions {
  /** The task document (JSON); its dataset is the directory `dataset.prefix` beside it. */
  readonly task: string;
  /** @default ./thinkbatch-out/labelling/<task id>/ */
  readonly out?: string;
  /** Keep the emulators' state (the label cache included) here, so a later run reuses labelled rows. */
  readonly dataDir?: string;
  readonly simulate: boolean;
  readonly endpoint?: string;
  readonly apiKey?: string;
  /** A JSON price list file: the report's cost, and what a `spendingCap.usd` is measured with. */
  readonly prices?: string;
}

/**
 * Run a labelling task once, now, on the embedded default: upload the dataset directory, run the task
 * over every file (rows labelled before come from the cache in the data dir), wait for the run's
 * finished event and write `labelled.jsonl` (or `.csv`) and `report.json` under `--out`.
 */
export async function labelRunCommand(options: LabelRunOptions, io: CommandIo): Promise<number> {
  const taskPath = resolve(options.task);
  const text = await readFile(taskPath, 'utf8').catch(() => null);
  if (text === null) throw new UsageError(`task file not found: ${options.task}`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${options.task} is not JSON: ${String(error)}`);
  }
  let parsed: LabellingTask;
  try {
    parsed = parseLabellingTask(document);
  } catch (error) {
    if (error instanceof LabellingError) throw new UsageError(`${options.task}: ${error.message}`);
    throw error;
  }
  const prices = options.prices === undefined ? undefined : await readPriceListFile(options.prices);
  const apiKey = options.apiKey ?? io.env['NVIDIA_API_KEY'];
  if (!options.simulate && (apiKey === undefined || apiKey === '')) {
    throw new UsageError('no API key: set NVIDIA_API_KEY (or pass --api-key), or add --simulate');
  }
  const outDir = resolve(options.out ?? join('thinkbatch-out', 'labelling', parsed.id));
  await mkdir(outDir, { recursive: true });
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const simulatorKey = randomUUID();
    const simulator = options.simulate ? await startSimulator({ apiKey: simulatorKey, seed: 1 }) : null;
    if (simulator !== null) cleanups.push(() => simulator.close());
    const baseURL = simulator?.url ?? options.endpoint ?? io.env['THINKBATCH_ENDPOINT'];
    if (baseURL === undefined) throw new UsageError('no endpoint: pass --endpoint, or --simulate');
    const key = simulator !== null ? simulatorKey : (apiKey ?? '');
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'thinkbatch-label-')));
    if (options.dataDir === undefined) cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    await mkdir(dataDir, { recursive: true });
    const labelling = await startLocalLabelling({
      dataDir,
      model: createOpenAIModelClient({ baseURL, apiKey: key }),
      endpoint: { baseURL, apiKey: key, ...(simulator !== null && { limits: LOCAL_SIMULATOR_LIMITS }) },
      log: createFileLogger(join(outDir, 'run.log')),
      ...(prices !== undefined && { config: { prices } }),
    });
    cleanups.push(() => labelling.stop());
    const task = await saveLabellingTask(labelling.deps, parsed);
    const uploaded = await uploadDataset(labelling.deps.store, dirname(taskPath), task.dataset.prefix);
    if (uploaded === 0)
      throw new UsageError(`no dataset files in ${join(dirname(taskPath), task.dataset.prefix)}`);

    const outcome = await startLabellingRun(labelling.deps, task, new Date(), { scope: 'all' }).catch(
      (error: unknown) => {
        if (error instanceof LabellingError) throw new UsageError(`${options.task}: ${error.message}`);
        throw error;
      },
    );
    let report: LabellingReport;
    if (outcome.kind === 'finished') report = outcome.report;
    else if (outcome.kind === 'started' || outcome.kind === 'busy' || outcome.kind === 'duplicate') {
      io.stderr.write(
        `thinkbatch: labelling run ${outcome.runId} of task ${task.id}: waiting for its jobs…\n`,
      );
      report = await labelling.waitForRun(outcome.runId);
    } else throw new UsageError(`nothing to label under ${task.dataset.prefix}`);

    const labelled = await labelling.deps.store.get(report.output);
    if (labelled === null) throw new Error(`the run's labelled file ${report.output} is missing`);
    const labelledPath = join(outDir, `labelled.${task.dataset.format}`);
    const reportPath = join(outDir, 'report.json');
    await writeFile(labelledPath, labelled);
    await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    io.stdout.write(describeReport(report, [labelledPath, reportPath]));
    return 0;
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) =>
        io.stderr.write(`thinkbatch: cleanup failed: ${String(error)}\n`),
      );
    }
  }
}

/** Upload every file of the dataset directory under the task's prefix; returns how many. */
async function uploadDataset(
  store: { put(key: string, body: Uint8Array): Promise<void> },
  base: string,
  prefix: string,
): Promise<number> {
  const directory = join(base, prefix);
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
  let count = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const name = relative(directory, path).split('\\').join('/');
    const key = `${prefix.endsWith('/') ? prefix : `${prefix}/`}${name}`;
    if (key.startsWith(labellingKeys.tasksPrefix)) continue;
    await store.put(key, await readFile(path));
    count += 1;
  }
  return count;
}

function describeReport(report: LabellingReport, files: readonly string[]): string {
  const labels = Object.entries(report.label_distribution)
    .map(([label, count]) => `${label} ${count}`)
    .join(', ');
  const lines = [
    `labelling run ${report.run_id} ${report.status}`,
    `rows: ${report.rows_seen} seen, ${report.rows_reused} from the cache, ${report.rows_labelled} labelled, ${report.rows_invalid} without a valid label, ${report.rows_deferred} left by the spending cap`,
    `labels: ${labels === '' ? 'none' : labels}`,
    `tokens: ${report.tokens.total} (${report.tokens.reasoning} reasoning), ${report.answers_reasked} answer(s) re-asked`,
    ...files.map((file) => `  ${file}`),
  ];
  return `${lines.join('\n')}\n`;
}

import type { ResultLine } from '@thinkbatch/core';
import { readJsonObject, writeJsonObject } from './json-objects';
import { compileLabelSpace, type Label, type LabelSpace } from './label-space';
import { type LabelledRow, labelledCsv, labelledJsonl } from './labelled-file';
import type { LabellingDeps } from './labelling-deps';
import type { FinishedLabellingJob } from './labelling-job';
import { labellingKeys, sampleCustomId } from './labelling-keys';
import {
  type LabellingReport,
  OpenRun,
  type RowLabel,
  type RunManifest,
  type SampleAnswer,
} from './labelling-run-records';
import { majorityVote } from './majority-vote';
import { parseLabel } from './parse-label';

/** The run's finished jobs (null: that job was not needed). */
export interface RunJobs {
  readonly label: FinishedLabellingJob | null;
  readonly reask: FinishedLabellingJob | null;
}

/** A row's outcome, and whether it may be cached (every sample got an answer: nothing left to pay for). */
interface AskedRow {
  readonly result: RowLabel;
  readonly cacheable: boolean;
}

/**
 * Write a run's outputs from its manifest and finished jobs: the label cache entries of the rows that
 * got their answers, the labelled file (every row of the scanned files, in order), the files seen, and
 * `report.json` last (its presence marks the run finished). The same inputs write the same bytes.
 */
export async function finishLabellingRun(
  deps: LabellingDeps,
  manifest: RunManifest,
  jobs: RunJobs,
): Promise<LabellingReport> {
  const { task } = manifest;
  const space = compileLabelSpace(task.labels);
  const asked = new Map<string, AskedRow>();
  for (const hash of manifest.asked) asked.set(hash, labelRow(hash, task.samples, space, jobs));
  for (const [hash, row] of asked) {
    if (row.cacheable)
      await writeJsonObject(
        deps.store,
        labellingKeys.cacheEntry(task.id, manifest.fingerprint, hash),
        row.result,
      );
  }

  const deferred = new Set(manifest.deferred);
  const counts = { seen: 0, reused: 0, labelled: 0, invalid: 0, deferred: 0, unreadable: 0 };
  const distribution: Record<string, number> = {};
  const rows: LabelledRow[] = [];
  const settledFiles: RunManifest['files'] = [];
  for (const file of manifest.files) {
    let settled = true;
    for (const row of file.rows) {
      counts.seen += 1;
      if ('unreadable' in row) {
        counts.unreadable += 1;
        rows.push({
          fields: { unreadable_row: row.unreadable },
          result: failed(`unreadable row: ${row.reason}`),
        });
        continue;
      }
      const fields = manifest.rows[row.hash] ?? {};
      const reused = manifest.reused[row.hash];
      const fresh = asked.get(row.hash);
      const unrenderable = manifest.unrenderable[row.hash];
      let result: RowLabel;
      if (reused !== undefined) {
        counts.reused += 1;
        result = reused;
      } else if (fresh !== undefined) {
        result = fresh.result;
        if (result.label === null) counts.invalid += 1;
        else counts.labelled += 1;
        if (!fresh.cacheable) settled = false;
      } else if (unrenderable !== undefined) {
        counts.invalid += 1;
        result = failed(unrenderable);
      } else if (deferred.has(row.hash)) {
        counts.deferred += 1;
        settled = false;
        result = failed('spending_cap: the run reached its spending cap; the next run labels this row');
      } else {
        settled = false;
        result = failed('internal: the row was neither asked nor reused');
      }
      if (result.label !== null) {
        const key = typeof result.label === 'string' ? result.label : space.keyOf(result.label);
        distribution[key] = (distribution[key] ?? 0) + 1;
      }
      rows.push({ fields, result });
    }
    if (settled) settledFiles.push(file);
  }

  const prefix = labellingKeys.runPrefix(task.id, manifest.runId);
  const output = `${prefix}labelled.${task.dataset.format}`;
  const body = task.dataset.format === 'csv' ? labelledCsv(rows) : labelledJsonl(rows);
  await deps.store.put(output, body, {
    contentType: task.dataset.format === 'csv' ? 'text/csv' : 'application/x-ndjson',
  });
  for (const file of settledFiles) {
    await writeJsonObject(deps.store, labellingKeys.fileSeen(task.id, file.key), {
      key: file.key,
      etag: file.etag,
      fingerprint: manifest.fingerprint,
      runId: manifest.runId,
    });
  }
  const report = buildReport(manifest, jobs, counts, distribution, output, asked);
  await writeJsonObject(deps.store, `${prefix}report.json`, report);
  const open = await readJsonObject(deps.store, labellingKeys.openRun(task.id), OpenRun);
  if (open?.runId === manifest.runId) await deps.store.delete([labellingKeys.openRun(task.id)]);
  deps.log.info('labelling run finished', { taskId: task.id, runId: manifest.runId, status: report.status });
  await deps.onRunFinished?.(report);
  return report;
}

function failed(reason: string): RowLabel {
  return { label: null, agreement: 0, reasoning: null, answers: [], label_error: reason };
}

function notAnswered(line: ResultLine | undefined): string {
  if (line === undefined) return 'not answered: no result line';
  return `not answered: ${line.error?.code ?? line.status}${line.error ? ` (${line.error.message})` : ''}`;
}

/** A row's samples parsed (a refused answer replaced by its re-ask's label), voted, explained. */
function labelRow(hash: string, samples: number, space: LabelSpace, jobs: RunJobs): AskedRow {
  const answers: SampleAnswer[] = [];
  const labels: (Label | null)[] = [];
  const reasonings: (string | null)[] = [];
  let cacheable = true;
  for (let sample = 0; sample < samples; sample += 1) {
    const customId = sampleCustomId(hash, sample);
    const first = jobs.label?.results.get(customId);
    if (first?.status !== 'succeeded') {
      cacheable = false;
      answers.push({ answer: null, label: null, error: notAnswered(first), reask: null });
      labels.push(null);
      reasonings.push(null);
      continue;
    }
    const parsed = parseLabel(first.answer, space);
    if (parsed.kind === 'valid') {
      answers.push({ answer: first.answer, label: parsed.label, error: null, reask: null });
      labels.push(parsed.label);
      reasonings.push(first.reasoning);
      continue;
    }
    const again = jobs.reask?.results.get(customId);
    let reask: SampleAnswer['reask'] = null;
    let label: Label | null = null;
    // Not re-asked (again undefined): the task asks for no re-ask, or the cap left no room for it.
    if (again !== undefined && again.status !== 'succeeded') {
      cacheable = false;
      reask = { answer: null, label: null, error: notAnswered(again) };
    } else if (again !== undefined) {
      const second = parseLabel(again.answer, space);
      label = second.kind === 'valid' ? second.label : null;
      reask = { answer: again.answer, label, error: second.kind === 'invalid' ? second.reason : null };
    }
    answers.push({ answer: first.answer, label: null, error: parsed.reason, reask });
    labels.push(label);
    reasonings.push(label === null ? first.reasoning : (again?.reasoning ?? null));
  }
  const vote = majorityVote(labels, space);
  const errors = answers.map((a) => a.reask?.error ?? a.error).filter((e): e is string => e !== null);
  return {
    cacheable,
    result: {
      label: vote.label,
      agreement: vote.agreement,
      reasoning: vote.winner === null ? null : (reasonings[vote.winner] ?? null),
      answers,
      label_error: vote.label === null ? `no valid label: ${errors[0] ?? 'no answer'}` : null,
    },
  };
}

function buildReport(
  manifest: RunManifest,
  jobs: RunJobs,
  counts: {
    seen: number;
    reused: number;
    labelled: number;
    invalid: number;
    deferred: number;
    unreadable: number;
  },
  distribution: Record<string, number>,
  output: string,
  asked: ReadonlyMap<string, AskedRow>,
): LabellingReport {
  const finished = [jobs.label, jobs.reask].filter((job): job is FinishedLabellingJob => job !== null);
  const tokens = { prompt: 0, completion: 0, reasoning: 0, total: 0, lines_with_unknown_usage: 0 };
  let cost: number | null = null;
  for (const { summary } of finished) {
    if (summary === null) continue;
    tokens.prompt += summary.usage.prompt_tokens;
    tokens.completion += summary.usage.completion_tokens;
    tokens.reasoning += summary.usage.reasoning_tokens;
    tokens.total += summary.usage.total_tokens;
    tokens.lines_with_unknown_usage += summary.lines_with_unknown_usage;
    if (summary.cost !== null) cost = (cost ?? 0) + summary.cost.total;
  }
  const reasked = [...asked.values()].reduce(
    (sum, row) => sum + row.result.answers.filter((a) => a.reask !== null).length,
    0,
  );
  const { limit } = manifest;
  return {
    task_id: manifest.taskId,
    run_id: manifest.runId,
    tick: manifest.tick,
    status: counts.deferred > 0 ? 'spending_cap' : 'completed',
    files: manifest.files.map((file) => file.key),
    output,
    rows_seen: counts.seen,
    rows_reused: counts.reused,
    rows_labelled: counts.labelled,
    rows_invalid: counts.invalid,
    rows_deferred: counts.deferred,
    rows_unreadable: counts.unreadable,
    label_distribution: distribution,
    samples_per_row: manifest.task.samples,
    answers_reasked: reasked,
    tokens,
    cost,
    spending_cap:
      limit === null
        ? null
        : {
            tokens: limit.tokens,
            usd: limit.usd,
            reserved_tokens: manifest.reservedTokens,
            reserved_usd: manifest.reservedUsd,
            used_tokens: tokens.total,
          },
    jobs: finished.map(({ job }) => job.jobId),
  };
}

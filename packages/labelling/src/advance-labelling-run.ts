import { isTerminalJobStatus } from '@thinkbatch/core';
import { finishLabellingRun } from './finish-labelling-run';
import { readJsonObject } from './json-objects';
import { compileLabelSpace } from './label-space';
import type { LabellingDeps } from './labelling-deps';
import { ensureLabellingJob, type FinishedLabellingJob, readFinishedJob } from './labelling-job';
import { labellingJobOptions, labellingMetadata } from './labelling-job-input';
import { labellingKeys, runJobIds, sampleCustomId } from './labelling-keys';
import { labellingPrompt, reaskMessages } from './labelling-prompt';
import { LabellingReport, RunManifest } from './labelling-run-records';
import { parseLabel } from './parse-label';
import { compilePromptTemplate } from './prompt-template';
import { admitWithinCap, shareOfLimit, worstCaseCall } from './spending-cap';

export type AdvanceRunOutcome =
  | { readonly kind: 'running' }
  | { readonly kind: 'finished'; readonly report: LabellingReport }
  | { readonly kind: 'missing' };

/**
 * Take a run as far as its jobs allow: wait while its label job runs; when it ended, re-ask the refused
 * answers once in a second job (within what the spending cap has left); when that ended too (or none was
 * needed), write the run's outputs. Called on a job's finished event and by a tick that finds the run
 * open; idempotent (the re-ask job's id is fixed, the outputs are the same bytes).
 */
export async function advanceLabellingRun(
  deps: LabellingDeps,
  taskId: string,
  runId: string,
): Promise<AdvanceRunOutcome> {
  const prefix = labellingKeys.runPrefix(taskId, runId);
  const done = await readJsonObject(deps.store, `${prefix}report.json`, LabellingReport);
  if (done !== null) return { kind: 'finished', report: done };
  const manifest = await readJsonObject(deps.store, `${prefix}manifest.json`, RunManifest);
  if (manifest === null) {
    deps.log.warn('labelling run has no manifest', { taskId, runId });
    return { kind: 'missing' };
  }
  if (manifest.asked.length === 0) {
    return {
      kind: 'finished',
      report: await finishLabellingRun(deps, manifest, { label: null, reask: null }),
    };
  }
  const labelJob = await deps.jobs.getJob(runJobIds.label(runId));
  if (labelJob === null) return { kind: 'missing' };
  if (!isTerminalJobStatus(labelJob.status)) return { kind: 'running' };
  const label = await readFinishedJob(deps, labelJob);

  const reaskLines = planReask(manifest, label);
  if (reaskLines.length === 0) {
    return { kind: 'finished', report: await finishLabellingRun(deps, manifest, { label, reask: null }) };
  }
  const { job: reaskJob } = await ensureLabellingJob(deps, {
    jobId: runJobIds.reask(runId),
    lines: reaskLines,
    options: labellingJobOptions(manifest.task, manifest.model),
    metadata: labellingMetadata(taskId, runId, 'reask'),
  });
  if (!isTerminalJobStatus(reaskJob.status)) return { kind: 'running' };
  const reask = await readFinishedJob(deps, reaskJob);
  return { kind: 'finished', report: await finishLabellingRun(deps, manifest, { label, reask }) };
}

/**
 * The corrective re-asks: one per answered sample whose answer held no valid label, admitted while the
 * worst case fits in what the label job left of the cap (its reserve when some line's usage is unknown).
 */
function planReask(manifest: RunManifest, label: FinishedLabellingJob) {
  const { task } = manifest;
  if (!task.reask) return [];
  const space = compileLabelSpace(task.labels);
  const template = compilePromptTemplate(task.prompt.template);
  const candidates: { custom_id: string; messages: ReturnType<typeof reaskMessages> }[] = [];
  for (const hash of manifest.asked) {
    const fields = manifest.rows[hash];
    if (fields === undefined) continue;
    const prompt = labellingPrompt(task, template, space, fields);
    for (let sample = 0; sample < task.samples; sample += 1) {
      const customId = sampleCustomId(hash, sample);
      const line = label.results.get(customId);
      if (line?.status !== 'succeeded' || line.answer === null) continue;
      const parsed = parseLabel(line.answer, space);
      if (parsed.kind === 'invalid')
        candidates.push({
          custom_id: customId,
          messages: reaskMessages(prompt, line.answer, parsed.reason, space),
        });
    }
  }
  const { limit } = manifest;
  if (limit === null) return candidates;
  const summary = label.summary;
  const unknownTokens = summary === null || summary.lines_with_unknown_usage > 0;
  const usedTokens = unknownTokens ? manifest.reservedTokens : summary.usage.total_tokens;
  const knownCost =
    summary?.cost != null && !summary.cost.partial && !unknownTokens ? summary.cost.total : null;
  const usedUsd = knownCost ?? manifest.reservedUsd ?? 0;
  const used = Math.max(
    limit.tokens === null ? 0 : usedTokens / limit.tokens,
    limit.usd === null ? 0 : usedUsd / limit.usd,
  );
  const cost = (line: (typeof candidates)[number]) =>
    shareOfLimit(
      worstCaseCall(
        line.messages.map((message) => message.content),
        task.params.max_tokens,
      ),
      limit,
    );
  return admitWithinCap(candidates, cost, Math.max(0, 1 - used)).admitted;
}

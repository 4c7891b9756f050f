import { type ModelCallResult, startJob } from '@thinkbatch/core';
import {
  answerEcho,
  createInMemoryObjectStore,
  createPipelineHarness,
  type FakeModelBehaviour,
} from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { LabellingDeps } from './labelling-deps';
import { labellingKeys } from './labelling-keys';
import { LabellingReport } from './labelling-run-records';
import { parseLabellingTask } from './labelling-task';
import { startLabellingRun } from './start-labelling-run';

/** The fake model answers every prompt `\boxed{positive}`. */
const positive: FakeModelBehaviour = (args) => {
  const result = structuredClone(answerEcho(args)) as ModelCallResult & { kind: 'completed' };
  const choice = result.completion.choices[0];
  if (choice !== undefined) (choice.message as { content: string }).content = 'So: \\boxed{Positive}';
  return result;
};

describe('a labelling run whose job finished event was lost', () => {
  it('is finished by the next tick, which then finds nothing new; nothing is asked twice', async () => {
    // No JobEvents: the pipeline publishes nothing, as if the event were lost.
    const h = createPipelineHarness({ behaviour: positive });
    const deps: LabellingDeps = {
      store: createInMemoryObjectStore('labelling'),
      jobs: h.jobs,
      input: h.input,
      output: h.output,
      announceUpload: async (key) => {
        await startJob(h.deps, { bucket: h.input.bucket, key, sequencer: key });
      },
      clock: h.clock,
      log: h.deps.log,
      defaultModel: 'm',
    };
    const task = parseLabellingTask({
      id: 'lost',
      dataset: { prefix: 'data/', format: 'jsonl' },
      prompt: { template: '{{text}}' },
      labels: { enum: ['positive', 'negative'] },
    });
    await deps.store.put('data/a.jsonl', '{"text":"one"}\n{"text":"two"}\n');
    const first = await startLabellingRun(deps, task, new Date('2026-11-29T10:00:00Z'));
    expect(first.kind).toBe('started');
    await h.drain();
    const reportKey = `${labellingKeys.runPrefix(task.id, first.kind === 'started' ? first.runId : '')}report.json`;
    expect(await deps.store.head(reportKey)).toBeNull(); // the run did not hear of its job's end

    expect(await startLabellingRun(deps, task, new Date('2026-11-29T11:00:00Z'))).toEqual({
      kind: 'nothing_new',
    });
    const body = await deps.store.get(reportKey);
    const report = LabellingReport.parse(JSON.parse(new TextDecoder().decode(body ?? new Uint8Array())));
    expect(report).toMatchObject({ rows_seen: 2, rows_labelled: 2, label_distribution: { positive: 2 } });
    expect(h.model.calls).toHaveLength(2);
  });
});

import { type LocalLabelling, startLocalLabelling } from '@thinkbatch/cli';
import { ENDPOINT, LOCAL_SIMULATOR_LIMITS } from '@thinkbatch/core';
import { type LabellingTaskInput, saveLabellingTask } from '@thinkbatch/labelling';
import { createOpenAIModelClient } from '@thinkbatch/openai-model-client';
import { type RunningSimulator, startSimulator } from '@thinkbatch/simulator';
import { createRecordingLogger } from '@thinkbatch/testing';

/** Labelling on the embedded runtime (in-memory emulators) against the simulated endpoint over HTTP. */
export interface LabellingStack {
  readonly labelling: LocalLabelling;
  readonly simulator: RunningSimulator;
  /** Chat completion requests the simulator served so far. */
  chatRequests(): number;
  stop(): Promise<void>;
}

/** USD per 1M tokens of the default model in these tests. */
export const TEST_PRICE = { input: 1, output: 2 } as const;

export async function startLabellingStack(): Promise<LabellingStack> {
  const apiKey = 'sk-test-labelling-key';
  const simulator = await startSimulator({ seed: 11, apiKey, timeScale: 0.05 });
  const labelling = await startLocalLabelling({
    model: createOpenAIModelClient({ baseURL: simulator.url, apiKey }),
    endpoint: { baseURL: simulator.url, apiKey, limits: LOCAL_SIMULATOR_LIMITS },
    log: createRecordingLogger(),
    config: { retry: { baseDelayMs: 20, maxDelayMs: 200 }, prices: { [ENDPOINT.model]: TEST_PRICE } },
    sweeper: false,
  });
  return {
    labelling,
    simulator,
    chatRequests: () => simulator.stats().chatRequests,
    stop: async () => {
      await labelling.stop();
      await simulator.close();
    },
  };
}

/** A sentiment task over `prefix`, with what the test changes. */
export function sentimentTask(
  id: string,
  format: 'jsonl' | 'csv',
  changes: Partial<LabellingTaskInput> = {},
): LabellingTaskInput {
  return {
    id,
    dataset: { prefix: `datasets/${id}/`, format },
    prompt: { instructions: 'Label the review by its sentiment.', template: 'Review: {{text}}' },
    labels: { enum: ['positive', 'negative', 'neutral'] },
    schedule: '*/5 * * * *',
    ...changes,
  };
}

export async function saveTask(stack: LabellingStack, task: LabellingTaskInput) {
  return saveLabellingTask(stack.labelling.deps, task);
}

export const jsonlOf = (rows: readonly Record<string, unknown>[]): string =>
  rows.map((row) => `${JSON.stringify(row)}\n`).join('');

export const reviews = (from: number, to: number): Record<string, unknown>[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    id: `r${from + i}`,
    text: `Review number ${from + i}: it is fine.`,
  }));

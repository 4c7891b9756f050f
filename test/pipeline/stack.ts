import {
  LOCAL_SIMULATOR_LIMITS,
  type ModelClient,
  type RateGateSettings,
  type ResultLine,
} from '@thinkbatch/core';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '@thinkbatch/local';
import { createOpenAIModelClient } from '@thinkbatch/openai-model-client';
import {
  promptKey,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator,
} from '@thinkbatch/simulator';
import { createRecordingLogger, type RecordingLogger, readResultsFile } from '@thinkbatch/testing';

export interface TestStack {
  readonly runtime: LocalRuntime;
  readonly simulator: RunningSimulator;
  /** Everything the runtime logged, so tests can count what happened. */
  readonly log: RecordingLogger;
  /** Endpoint calls the simulator saw for a one-user-message prompt. */
  callsFor(prompt: string): number;
  results(jobId: string): Promise<ResultLine[]>;
  stop(): Promise<void>;
}

/**
 * The whole pipeline on one machine: emulators in memory, the simulated endpoint over real HTTP with an
 * API key, the real openai client. `wrapModel` lets a test put a crashing worker around the client.
 */
export async function startTestStack(
  options: {
    simulator?: SimulatorOptions;
    wrapModel?: (model: ModelClient) => ModelClient;
    /** The endpoint's limits as the rate gate knows them. @default LOCAL_SIMULATOR_LIMITS */
    rateLimits?: Partial<RateGateSettings>;
    runtime?: Partial<Omit<LocalRuntimeOptions, 'model' | 'log' | 'endpoint'>>;
  } = {},
): Promise<TestStack> {
  const apiKey = 'sk-test-secret-key';
  const simulator = await startSimulator({ seed: 7, apiKey, ...options.simulator });
  const client = createOpenAIModelClient({ baseURL: simulator.url, apiKey });
  const log = createRecordingLogger();
  const runtime = await startLocalRuntime({
    model: options.wrapModel ? options.wrapModel(client) : client,
    endpoint: { baseURL: simulator.url, apiKey, limits: options.rateLimits ?? LOCAL_SIMULATOR_LIMITS },
    log,
    config: { retry: { baseDelayMs: 20, maxDelayMs: 200 }, linesPerChunk: 3 },
    ...options.runtime,
  });
  return {
    runtime,
    simulator,
    log,
    callsFor: (prompt) =>
      simulator.stats().callsByPrompt[promptKey([{ role: 'user', content: prompt }])] ?? 0,
    results: async (jobId) => {
      const job = await runtime.deps.jobs.getJob(jobId);
      if (job === null) throw new Error(`no job ${jobId}`);
      return readResultsFile(runtime.deps.output, job);
    },
    stop: async () => {
      await runtime.stop();
      await simulator.close();
    },
  };
}

export const sumPrompt = (a: number, b: number): string =>
  `What is ${a} + ${b}? Please reason step by step, and put your final answer within \\boxed{}.`;

export const jsonl = (lines: readonly unknown[]): string =>
  `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`;

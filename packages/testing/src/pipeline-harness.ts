import { randomUUID } from 'node:crypto';
import type {
  JobRecord,
  JobStore,
  PipelineConfigInput,
  PipelineDeps,
  ResultLine,
  WorkMessage,
} from '@thinkbatch/core';
import {
  createLimiter,
  parsePipelineConfig,
  processWorkMessage,
  silentLogger,
  startJob,
} from '@thinkbatch/core';
import { createFakeClock, type FakeClock } from './fake-clock';
import { createFakeModelClient, type FakeModelBehaviour, type FakeModelClient } from './fake-model-client';
import { createInMemoryJobStore } from './in-memory-job-store';
import { createInMemoryObjectStore, type InMemoryObjectStore } from './in-memory-object-store';
import { createInMemoryWorkQueue, type InMemoryWorkQueue } from './in-memory-work-queue';
import { readResultsFile } from './read-results-file';

export interface PipelineHarness {
  readonly deps: PipelineDeps;
  readonly input: InMemoryObjectStore;
  readonly output: InMemoryObjectStore;
  readonly jobs: JobStore;
  readonly queue: InMemoryWorkQueue;
  readonly model: FakeModelClient;
  readonly clock: FakeClock;
  /** Put `text` under `inputs/<name>` and deliver the upload event (`times` deliveries). */
  upload(
    name: string,
    text: string,
    options?: { metadata?: Record<string, string>; times?: number },
  ): Promise<JobRecord>;
  /** Process queued messages (delays advance the clock) until the queue is empty; returns how many ran. */
  drain(options?: { beforeEach?: (message: WorkMessage) => void | Promise<void> }): Promise<number>;
  /** The job's results.jsonl, parsed. */
  results(jobId: string): Promise<ResultLine[]>;
}

/** The pipeline wired to in-memory fakes, a fake clock and a fake model: for unit tests of the steps. */
export function createPipelineHarness(
  options: { behaviour?: FakeModelBehaviour; config?: PipelineConfigInput; invocationMs?: number } = {},
): PipelineHarness {
  const fakes = {
    input: createInMemoryObjectStore('input-bucket', { chunkSize: 7 }),
    output: createInMemoryObjectStore('output-bucket'),
    jobs: createInMemoryJobStore(),
    queue: createInMemoryWorkQueue(),
    model: createFakeModelClient(options.behaviour),
    clock: createFakeClock(),
  };
  const { input, output, jobs, queue, clock } = fakes;
  let seed = 1;
  const deps: PipelineDeps = {
    ...fakes,
    random: () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    },
    newToken: () => randomUUID().slice(0, 8),
    log: silentLogger,
    config: parsePipelineConfig({ linesPerChunk: 3, ...options.config }),
  };
  const invocationMs = options.invocationMs ?? 900_000;

  return {
    ...fakes,
    deps,
    upload: async (name, text, uploadOptions = {}) => {
      const key = `inputs/${name}`;
      await input.put(key, text, uploadOptions.metadata ? { metadata: uploadOptions.metadata } : {});
      let jobId: string | null = null;
      for (let i = 0; i < (uploadOptions.times ?? 1); i += 1) {
        const outcome = await startJob(deps, { bucket: input.bucket, key, sequencer: `seq-${name}` });
        if (outcome.kind === 'started') jobId = outcome.job.jobId;
      }
      const job = jobId === null ? null : await jobs.getJob(jobId);
      if (job === null) throw new Error(`upload of ${name} started no job`);
      return job;
    },
    drain: async (drainOptions = {}) => {
      let processed = 0;
      for (;;) {
        const batch = queue.drain();
        if (batch.length === 0) return processed;
        for (const { message, delaySeconds } of batch) {
          clock.advance(delaySeconds * 1000);
          await drainOptions.beforeEach?.(message);
          const invocation = {
            deadline: clock.now() + invocationMs,
            limiter: createLimiter(deps.config.lineConcurrency),
          };
          await processWorkMessage(deps, message, invocation);
          processed += 1;
        }
      }
    },
    results: async (jobId) => {
      const job = await jobs.getJob(jobId);
      if (job === null) throw new Error(`no job ${jobId}`);
      return readResultsFile(output, job);
    },
  };
}

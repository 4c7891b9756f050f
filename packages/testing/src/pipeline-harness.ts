import { randomUUID } from 'node:crypto';
import type {
  Clock,
  JobEvents,
  JobRecord,
  JobStore,
  PipelineConfigInput,
  PipelineDeps,
  RateGateSettings,
  RateGates,
  ResultLine,
  WorkMessage,
} from '@thinkbatch/core';
import {
  createInMemoryRateGate,
  createRateGates,
  parsePipelineConfig,
  parseRateGateSettings,
  processWorkMessage,
  silentLogger,
  startInvocation,
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

/**
 * Limits no unit test meets: the gate's whole path runs and a call waits at most a few ms. One start per
 * ms keeps the start times whole, so a fake clock stays on whole ms.
 */
export const UNBOUNDED_TEST_LIMITS = {
  requestsPerMinute: 60_000,
  maxInFlight: 10_000,
  headroom: 0,
} as const satisfies Partial<RateGateSettings>;

/** In-memory rate gates for the fake endpoint `http://fake.test/v1` (no key), with `limits`. */
export function createTestRateGates(
  clock: Clock,
  limits: Partial<RateGateSettings> = UNBOUNDED_TEST_LIMITS,
): RateGates {
  return createRateGates({
    baseURL: 'http://fake.test/v1',
    apiKey: null,
    settings: parseRateGateSettings(limits),
    create: (key, settings) => createInMemoryRateGate({ key, clock, settings }),
  });
}

/** The pipeline wired to in-memory fakes, a fake clock and a fake model: for unit tests of the steps. */
export function createPipelineHarness(
  options: {
    behaviour?: FakeModelBehaviour;
    config?: PipelineConfigInput;
    invocationMs?: number;
    /** The endpoint's limits. @default UNBOUNDED_TEST_LIMITS */
    rateLimits?: Partial<RateGateSettings>;
    /** Told when a job ends. @default none */
    events?: JobEvents;
  } = {},
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
    rateGates: createTestRateGates(clock, options.rateLimits),
    random: () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    },
    newToken: () => randomUUID().slice(0, 8),
    log: silentLogger,
    config: parsePipelineConfig({ linesPerChunk: 3, ...options.config }),
    ...(options.events !== undefined && { events: options.events }),
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
          const invocation = startInvocation(deps, { deadline: clock.now() + invocationMs });
          try {
            await processWorkMessage(deps, message, invocation);
          } finally {
            await invocation.close();
          }
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

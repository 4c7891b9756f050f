import {
  isTerminalJobStatus,
  type JobRecord,
  jobKeys,
  LOCAL_SIMULATOR_LIMITS,
  type ModelClient,
  type WorkMessage,
  type WorkQueue,
} from '@thinkbatch/core';
import type { LocalRuntimeOptions } from '@thinkbatch/local';
import type { SimulatorOptions } from '@thinkbatch/simulator';
import { jsonl, startTestStack, sumPrompt, type TestStack } from '../pipeline/stack';

/** One input line of a fault case: its id, its prompt (unique per line) and what the answer must hold. */
export interface CaseLine {
  readonly custom_id: string;
  readonly prompt: string;
  readonly boxed: string;
}

/** The embedded stack of a fault case, with what it sent to the work queue. */
export interface FaultStack extends TestStack {
  /** Work messages the SQS adapter accepted, in order (fan-out's work items, hand-backs, finalize requests). */
  readonly sent: readonly WorkMessage[];
  /** `n` lines whose prompts are unique to this case (`tag`), as JSONL and as expectations. */
  lines(tag: number, n: number): { readonly lines: readonly CaseLine[]; readonly body: string };
  /** Wait for the job's end (terminal status). */
  finish(jobId: string, timeoutMs?: number): Promise<JobRecord>;
  /** The job's summary.json. */
  summary(jobId: string): Promise<JobSummaryJson>;
}

/** The fields of summary.json the checks read. */
export interface JobSummaryJson {
  readonly counts: { readonly total: number; readonly succeeded: number; readonly failed: number };
  readonly usage: Readonly<Record<string, number | null>>;
}

/**
 * Timings of a fault case, Lambda's relations scaled down: a 6 s worker invocation whose messages come
 * back 8 s after delivery (its leases end before that), hand-backs of held lines after 1 s, the fan-out's
 * async retries after 0.1 and 0.2 s. No sweeper: a case that needs one runs it. (Cases about kills
 * shorten the invocation.)
 */
export const FAULT_CASE_RUNTIME = {
  workerTimeoutMs: 6_000,
  visibilityTimeoutSeconds: 8,
  maxConcurrency: 4,
  fanOutRetryDelaysMs: [100, 200],
  sweeper: false,
  config: {
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    linesPerChunk: 3,
    reserveMs: 300,
    heldLineRecheckMs: 1_000,
  },
} as const satisfies Partial<LocalRuntimeOptions>;

/** The simulator's limits as the rate gate knows them: generous, and known. */
export const FAULT_CASE_LIMITS = { ...LOCAL_SIMULATOR_LIMITS, maxInFlight: 64 } as const;

/** Start the stack of one case. `wrapQueue` sits outside the recorder: what it does not pass on is not sent. */
export async function startFaultStack(
  options: {
    simulator?: SimulatorOptions;
    runtime?: Partial<Omit<LocalRuntimeOptions, 'model' | 'log' | 'endpoint' | 'wrapWorkQueue'>>;
    wrapModel?: (model: ModelClient) => ModelClient;
    wrapQueue?: (queue: WorkQueue) => WorkQueue;
  } = {},
): Promise<FaultStack> {
  const sent: WorkMessage[] = [];
  const recording = (queue: WorkQueue): WorkQueue => ({
    send: async (messages, sendOptions) => {
      await queue.send(messages, sendOptions);
      sent.push(...messages);
    },
  });
  const stack = await startTestStack({
    ...(options.simulator !== undefined && { simulator: options.simulator }),
    ...(options.wrapModel !== undefined && { wrapModel: options.wrapModel }),
    // A known concurrency limit: the gate grants calls at once instead of learning it from scratch.
    rateLimits: FAULT_CASE_LIMITS,
    runtime: {
      ...FAULT_CASE_RUNTIME,
      ...options.runtime,
      config: { ...FAULT_CASE_RUNTIME.config, ...options.runtime?.config },
      wrapWorkQueue: (queue) => options.wrapQueue?.(recording(queue)) ?? recording(queue),
    },
  });
  return {
    ...stack,
    sent,
    lines: (tag, n) => {
      const lines = Array.from({ length: n }, (_, i) => ({
        custom_id: `c${tag}-${i}`,
        prompt: sumPrompt(i, tag),
        boxed: `\\boxed{${i + tag}}`,
      }));
      return { lines, body: jsonl(lines.map(({ custom_id, prompt }) => ({ custom_id, prompt }))) };
    },
    finish: async (jobId, timeoutMs = 40_000) => {
      // The test's own polling shares the runtime's SDK clients: a fault injected there is not the job's.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await stack.runtime.deps.jobs.getJob(jobId).catch(() => null);
        if (job !== null && isTerminalJobStatus(job.status)) return job;
        if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job?.status} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    summary: async (jobId) => {
      const body = await stack.runtime.deps.output.get(jobKeys.summary(jobId));
      if (body === null) throw new Error(`job ${jobId} has no summary.json`);
      return JSON.parse(new TextDecoder().decode(body)) as JobSummaryJson;
    },
  };
}

import type { JobOptions, PipelineConfigInput, RateGateSettings, ResultLine } from '@thinkbatch/core';
import { LOCAL_SIMULATOR_LIMITS } from '@thinkbatch/core';
import type { LedgerEntry, PromptFaultRule, SimulatorOptions } from '@thinkbatch/simulator';
import { promptKey } from '@thinkbatch/simulator';
import { assertInvariants, collectJobEvidence, type InvariantReport } from '@thinkbatch/testing';
import { afterEach } from 'vitest';
import { jsonl, startTestStack, type TestStack } from '../pipeline/stack';

/** One endpoint fault case: a small job on the embedded stack against a misbehaving simulator. */
export interface EndpointCaseOptions {
  /** One input line per prompt, `custom_id` q0, q1, …. */
  readonly prompts: readonly string[];
  /** Scripted faults by prompt substring. */
  readonly faults?: readonly PromptFaultRule[];
  /** More simulator options (a fault plan, limits, …). */
  readonly simulator?: SimulatorOptions;
  /** The job's options. @default { maxAttempts: 3 } */
  readonly job?: JobOptions;
  /** Pipeline settings over the case defaults (fast backoff). */
  readonly config?: PipelineConfigInput;
  readonly rateLimits?: Partial<RateGateSettings>;
  /** @default 30_000 */
  readonly timeoutMs?: number;
}

/** What a case left: results, the checked invariants, and the ledger per prompt. */
export interface EndpointCaseRun {
  readonly stack: TestStack;
  readonly results: readonly ResultLine[];
  readonly report: InvariantReport;
  readonly status: string;
  /** The ledger entries of a prompt, in order. */
  calls(prompt: string): LedgerEntry[];
  /** How often the worker handed lines back to the queue. */
  readonly handBacks: number;
  /** Wall time of the job, ms. */
  readonly elapsedMs: number;
}

/** What the worker's batch handler logs when a work item threw (it goes back to the queue). */
const WORK_ITEM_FAILED = 'work item failed; it will be redelivered';

/** Backoff fast enough for tests; everything else as deployed. */
export const CASE_CONFIG = {
  retry: { baseDelayMs: 20, maxDelayMs: 200 },
  linesPerChunk: 4,
} as const satisfies PipelineConfigInput;

/**
 * `run(options)` for one test file: starts the stack (stopped after each test), submits the job, waits
 * for it, and asserts every invariant of `@thinkbatch/testing` against the simulator's ledger, and that
 * no work item failed, before handing back what the case itself checks.
 */
export function useEndpointCases(): (options: EndpointCaseOptions) => Promise<EndpointCaseRun> {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  return async (options) => {
    stack = await startTestStack({
      simulator: { promptFaults: options.faults ?? [], ...options.simulator },
      rateLimits: options.rateLimits ?? LOCAL_SIMULATOR_LIMITS,
      runtime: { config: { ...CASE_CONFIG, ...options.config } },
    });
    const running = stack;
    const input = jsonl(options.prompts.map((prompt, i) => ({ custom_id: `q${i}`, prompt })));
    const maxAttempts = options.job?.maxAttempts ?? 3;
    const jobOptions = { ...options.job, maxAttempts };
    const started = Date.now();
    const jobId = await running.runtime.submit(input, { options: jobOptions });
    const job = await running.runtime.waitForJob(jobId, { timeoutMs: options.timeoutMs ?? 30_000 });
    const elapsedMs = Date.now() - started;
    const evidence = await collectJobEvidence(
      {
        jobs: running.runtime.deps.jobs,
        output: running.runtime.deps.output,
        ledger: () => running.simulator.ledger(),
      },
      jobId,
      input,
    );
    const report = assertInvariants(evidence, { maxAttempts });
    // An endpoint's misbehaviour is the line's to handle: it never fails a work item (no redelivery,
    // no second payment, no DLQ).
    const failedItems = running.log.entries.filter((e) => e.message === WORK_ITEM_FAILED);
    if (failedItems.length > 0) {
      throw new Error(
        `work items failed and were redelivered: ${JSON.stringify(failedItems).slice(0, 1_000)}`,
      );
    }
    const entries = evidence.ledger.entries;
    return {
      stack: running,
      results: await running.results(jobId),
      report,
      status: job.status,
      calls: (prompt) => {
        const key = promptKey([{ role: 'user', content: prompt }]);
        return entries.filter((entry) => entry.promptKey === key);
      },
      handBacks: running.log.messages.filter((m) => m === 'handing lines back to the queue').length,
      elapsedMs,
    };
  };
}

/** Gaps between consecutive calls (start of one to start of the next), ms. */
export function gapsBetween(calls: readonly LedgerEntry[]): number[] {
  return calls.slice(1).map((call, i) => call.startedAt - (calls[i]?.endedAt ?? call.startedAt));
}

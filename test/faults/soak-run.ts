import { isTerminalJobStatus, type JobRecord, jobKeys, STORAGE } from '@thinkbatch/core';
import type { LedgerSnapshot } from '@thinkbatch/simulator';
import {
  checkSoak,
  collectJobEvidence,
  createSdkFaultPlan,
  createSoakCrashes,
  describeSoakScenario,
  formatSoakCheck,
  injectSdkFaults,
  type LogEntry,
  type SdkFaultRule,
  type SoakCheckReport,
  type SoakJobOutcome,
  type SoakScenario,
  soakInput,
  soakReplayHint,
  soakSimulatorOptions,
} from '@thinkbatch/testing';
import { startTestStack, type TestStack } from '../pipeline/stack';
import { FAULT_CASE_LIMITS } from './pipeline-fault-stack';
import { countLineOutcomes, countSoakFaults } from './soak-fault-counts';

/** One seed's run: what it was, what the checker found, what was injected, how long it took. */
export interface SoakRun {
  readonly scenario: SoakScenario;
  readonly check: SoakCheckReport;
  /** Faults injected, by kind (endpoint, emulators, workers, events). */
  readonly faults: Readonly<Record<string, number>>;
  /** Result lines by status and error code, over every job. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly wallMs: number;
  /** The scenario, the verdict and the counts as text (with the replay hint when it failed). */
  readonly text: string;
}

export interface SoakRunOptions {
  /** How long every job together may take to end. @default 60 s + 300 ms per line */
  readonly timeoutMs?: number;
  /** Progress lines (the script prints them). @default none */
  readonly progress?: (line: string) => void;
  /** Given the runtime's log when the run ends (to look into a failure). @default none */
  readonly onLog?: (entries: readonly LogEntry[]) => void;
}

const PROGRESS_EVERY_MS = 30_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll a job until it is terminal or time is up; a read the injected faults refuse is tried again. */
async function waitForEnd(
  stack: TestStack,
  jobId: string,
  until: number,
  report: (job: JobRecord) => void,
): Promise<JobRecord | null> {
  let last: JobRecord | null = null;
  let reported = Date.now();
  while (Date.now() < until) {
    if (last !== null && Date.now() - reported >= PROGRESS_EVERY_MS) {
      reported = Date.now();
      report(last);
    }
    last = await stack.runtime.deps.jobs.getJob(jobId).catch(() => last);
    if (last !== null && isTerminalJobStatus(last.status)) return last;
    await sleep(200);
  }
  return last;
}

/**
 * Run one soak scenario on the embedded stack: the simulator misbehaving as the scenario says, the SDK
 * fault plan on the runtime's real S3/SQS/DynamoDB clients, crashing workers, the jobs uploaded side by
 * side with duplicated and late S3 events. When every job ended (or time is up) the faults stop, the
 * outputs are read, late events are delivered, and `checkSoak` checks it all.
 */
export async function runSoak(scenario: SoakScenario, options: SoakRunOptions = {}): Promise<SoakRun> {
  const progress = options.progress ?? (() => {});
  const crashes = createSoakCrashes(scenario);
  const { runtime } = scenario;
  const stack = await startTestStack({
    simulator: soakSimulatorOptions(scenario),
    wrapModel: crashes.wrap,
    rateLimits: FAULT_CASE_LIMITS,
    runtime: {
      workerTimeoutMs: runtime.workerTimeoutMs,
      visibilityTimeoutSeconds: runtime.visibilityTimeoutSeconds,
      maxConcurrency: runtime.maxConcurrency,
      fanOutRetryDelaysMs: [100, 200],
      sweeper: false,
      config: {
        retry: { baseDelayMs: 20, maxDelayMs: 200 },
        // The deployed reserve is 60 s of 900 s. What an invocation does after its lines (hand lines
        // back, release its leases, settle its chunks: a few SDK calls each, retried with the SDK's own
        // backoff, all in this one process with the emulators) is not scaled down with it: on a loaded
        // 2-core machine it overran a reserve of a quarter of 5 s dozens of times a run.
        reserveMs: Math.round(runtime.workerTimeoutMs * 0.4),
        heldLineRecheckMs: 1_000,
      },
    },
  });
  const started = Date.now();
  try {
    const inputBucket = stack.runtime.resources.inputBucket;
    // The user's upload is not the pipeline's call: faults spare PutObject into the input bucket.
    const rules: SdkFaultRule[] = scenario.sdk.map((rule) => ({
      ...rule,
      ...(rule.service === 's3' && {
        when: (input) => !(input['Bucket'] === inputBucket && input['Body'] !== undefined),
      }),
    }));
    const plan = createSdkFaultPlan({ seed: scenario.seed, rules });
    injectSdkFaults(stack.runtime.clients, plan);

    const inputs = scenario.jobs.map(soakInput);
    const jobIds = await Promise.all(
      scenario.jobs.map(async (job, i) => {
        await sleep(job.startDelayMs);
        return stack.runtime.submit(inputs[i] ?? '', {
          options: {
            maxAttempts: job.maxAttempts,
            linesPerChunk: job.linesPerChunk,
            attemptTimeoutMs: job.attemptTimeoutMs,
          },
          delivery: job.delivery,
        });
      }),
    );
    progress(`seed ${scenario.seed}: ${jobIds.length} job(s) submitted`);
    const until = started + (options.timeoutMs ?? 60_000 + 300 * scenario.lines);
    const records = await Promise.all(
      jobIds.map((jobId, i) =>
        waitForEnd(stack, jobId, until, (job) =>
          progress(
            `seed ${scenario.seed} job ${i}: ${job.status}, ${job.chunksDone}/${job.chunksTotal ?? '?'} chunks, ` +
              `${stack.simulator.ledger().entries.length} endpoint calls, ${Math.round((Date.now() - started) / 1_000)} s`,
          ),
        ),
      ),
    );
    plan.disarm();
    progress(`seed ${scenario.seed}: jobs ended (${records.map((r) => r?.status ?? 'missing').join(', ')})`);

    const evidenceOf = async (jobId: string, input: string, job: JobRecord | null) =>
      job?.outputs == null
        ? null
        : collectJobEvidence(
            {
              jobs: stack.runtime.deps.jobs,
              output: stack.runtime.deps.output,
              ledger: () => stack.simulator.ledger(),
            },
            jobId,
            input,
          );
    const evidence = await Promise.all(
      jobIds.map((id, i) => evidenceOf(id, inputs[i] ?? '', records[i] ?? null)),
    );
    const late = await Promise.all(
      scenario.jobs.map(async (job, i) => {
        const jobId = jobIds[i] ?? '';
        if (!job.lateEvent || records[i] == null) return null;
        await stack.runtime.redeliverUploadEvent(`${STORAGE.inputPrefix}${jobId}${STORAGE.inputSuffix}`);
        await sleep(1_000); // time for whatever the late event may have (wrongly) set off
        const after = await stack.runtime.deps.jobs.getJob(jobId);
        const read = async (key: string): Promise<string> =>
          new TextDecoder().decode((await stack.runtime.deps.output.get(key)) ?? new Uint8Array());
        const summary = await read(jobKeys.summary(jobId));
        return {
          status: after?.status ?? 'missing',
          results: after?.outputs == null ? '' : await read(after.outputs.results),
          summary: summary === '' ? null : (JSON.parse(summary) as unknown),
        };
      }),
    );
    const ledger: LedgerSnapshot = stack.simulator.ledger();
    const jobs: SoakJobOutcome[] = scenario.jobs.map((plan, i) => ({
      plan,
      jobId: jobIds[i] ?? '',
      job: records[i] ?? null,
      evidence: evidence[i] === null || evidence[i] === undefined ? null : { ...evidence[i], ledger },
      afterLateEvent: late[i] ?? null,
    }));
    options.onLog?.(stack.log.entries);
    const check = checkSoak({ scenario, jobs, ledger });
    const wallMs = Date.now() - started;
    const faults = countSoakFaults({
      scenario,
      ledger,
      sdk: plan.injected,
      crashes: crashes.count(),
      log: stack.log.messages,
    });
    const outcomes = countLineOutcomes(evidence.map((e) => e?.results ?? ''));
    const text = [
      describeSoakScenario(scenario),
      formatSoakCheck(scenario, check),
      `  faults injected: ${formatCounts(faults)}`,
      `  line outcomes: ${formatCounts(outcomes)}`,
      `  wall time ${(wallMs / 1_000).toFixed(1)} s`,
      ...(check.ok ? [] : [soakReplayHint(scenario)]),
    ].join('\n');
    return { scenario, check, faults, outcomes, wallMs, text };
  } finally {
    await stack.stop();
  }
}

export const formatCounts = (counts: Readonly<Record<string, number>>): string =>
  Object.entries(counts)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ') || 'none';

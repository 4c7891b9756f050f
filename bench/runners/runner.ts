/** A way of running a scenario's jobs against an endpoint: thinkbatch, or a baseline users write. */
import type { JobInput } from '../prompts';
import type { Scenario } from '../scenarios';

/** Runners, in report order. */
export const RUNNER_IDS = ['thinkbatch', 'fixed-concurrency-loop', 'parallel-processor'] as const;
export type RunnerId = (typeof RUNNER_IDS)[number];

export interface RunnerContext {
  readonly scenario: Scenario;
  /** The simulator's base URL (ends in `/v1`). */
  readonly baseURL: string;
  /** One input file per job; all jobs start at once. */
  readonly inputs: readonly JobInput[];
  /** A fresh directory for the runner's outputs. */
  readonly workDir: string;
  /** Kill the runner after this long. */
  readonly timeoutMs: number;
}

/** What a runner left behind; the benchmark's figures come from the simulator, not from here. */
export interface RunnerOutcome {
  /** One JSONL of results per job (null: the runner wrote none). */
  readonly resultFiles: readonly (string | null)[];
  /** What the runner itself reported at the end (its printed summary or `summary.json`), per job. */
  readonly summaries: readonly unknown[];
  /** Exit code per process (null: killed). */
  readonly exitCodes: readonly (number | null)[];
  readonly timedOut: boolean;
  /** From the first process started to the last one ended. */
  readonly wallMs: number;
  /** Failed lines as the runner reports them, counted by reason. */
  readonly failures: Readonly<Record<string, number>>;
  /** Anything the report should say about this run (flags dropped, stderr of a failed process). */
  readonly notes: readonly string[];
}

export interface Runner {
  readonly id: RunnerId;
  /** One line for the report: what the runner is and how it runs the jobs. */
  readonly description: string;
  run(context: RunnerContext): Promise<RunnerOutcome>;
}

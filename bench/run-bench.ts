/**
 * The benchmark: every scenario, every runner, each run against its own fresh simulator. Runs go one at
 * a time unless `parallel` says otherwise (the quick mode only: parallel runs share the CPU and skew the
 * timings, which the quick mode does not look at).
 */
import { join } from 'node:path';
import { type Ceiling, meanLatencyMs, phaseCeilings, tokensPerCall } from './ceiling';
import { describeMachine, type Machine } from './machine';
import { measureRun, type RunRecord } from './measure';
import { fixedConcurrencyLoop, parallelProcessor } from './runners/baseline-runners';
import type { Runner, RunnerId } from './runners/runner';
import { thinkbatch } from './runners/thinkbatch-runner';
import { FULL_SCALE, QUICK_SCALE, type Scenario, type ScenarioId, scenarios } from './scenarios';

export const RUNNERS: readonly Runner[] = [thinkbatch, fixedConcurrencyLoop, parallelProcessor];

export interface BenchOptions {
  /** A few lines per scenario and a shorter timescale: checks the suite works, measures nothing. */
  readonly quick: boolean;
  /** Where inputs and runner outputs go (kept for inspection). */
  readonly workDir: string;
  /** @default every scenario */
  readonly scenarios?: readonly ScenarioId[];
  /** @default every runner */
  readonly runners?: readonly RunnerId[];
  /** Runs at once. @default 1 */
  readonly parallel?: number;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
}

/** A scenario as the report describes it. */
export interface ScenarioSummary {
  readonly scenario: Scenario;
  readonly meanLatencyMs: number;
  readonly tokensPerCall: number | null;
  readonly phases: readonly { readonly atMs: number; readonly ceiling: Ceiling }[];
}

export interface BenchResult {
  readonly mode: 'full' | 'quick';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: Machine;
  readonly scenarios: readonly ScenarioSummary[];
  /** What each runner is. */
  readonly runners: Readonly<Partial<Record<RunnerId, string>>>;
  readonly runs: readonly RunRecord[];
}

/** Run `tasks` with at most `limit` at once, keeping their order in the result. */
async function inBatches<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < tasks.length; index = next++) {
      const task = tasks[index];
      if (task !== undefined) results[index] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  return results;
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const startedAt = new Date().toISOString();
  const machine = await describeMachine();
  const log = options.log ?? (() => {});
  const chosen = scenarios(options.quick ? QUICK_SCALE : FULL_SCALE).filter(
    (scenario) => options.scenarios === undefined || options.scenarios.includes(scenario.id),
  );
  const runners = RUNNERS.filter(
    (runner) => options.runners === undefined || options.runners.includes(runner.id),
  );
  const tasks = chosen.flatMap((scenario) =>
    runners.map((runner) => async () => {
      log(`(${scenario.letter}) ${scenario.id} · ${runner.id}: running`);
      const record = await measureRun(scenario, runner, join(options.workDir, scenario.id, runner.id));
      log(
        `(${scenario.letter}) ${scenario.id} · ${runner.id}: goodput ÷ ceiling ${record.goodputRatio.toFixed(2)}, ` +
          `429s ${(record.rateLimitedShare * 100).toFixed(1)} %, ${record.linesFailed} failed, ` +
          `${(record.wallMs / 1000).toFixed(1)} s`,
      );
      return record;
    }),
  );
  const runs = await inBatches(tasks, options.parallel ?? 1);
  return {
    mode: options.quick ? 'quick' : 'full',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    scenarios: chosen.map((scenario) => ({
      scenario,
      meanLatencyMs: meanLatencyMs(scenario),
      tokensPerCall: tokensPerCall(scenario),
      phases: phaseCeilings(scenario),
    })),
    runners: Object.fromEntries(runners.map((runner) => [runner.id, runner.description])),
    runs,
  };
}

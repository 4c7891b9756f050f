/**
 * One run: a fresh simulator for the scenario, one runner against it, and the figures taken from the
 * simulator's own stats (what the endpoint saw), not from what the runner says.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type LoadBucket,
  type RateLimitCounts,
  type RunningSimulator,
  type SimulatorStats,
  startSimulator,
} from '../packages/simulator/src/index';
import { limitsAt, meanCeiling, phaseCeilings } from './ceiling';
import { readJsonl } from './jsonl';
import { type JobInput, writeJobInputs } from './prompts';
import type { Runner, RunnerId } from './runners/runner';
import { type Scenario, type ScenarioId, simulatorOptions, totalLines } from './scenarios';

/** The most load the endpoint was offered in any one window of a limit phase, beside that phase's limits. */
export interface PhasePeak {
  /** Start of the phase, ms after the simulator started. */
  readonly atMs: number;
  readonly requestLimit: number | null;
  readonly offeredRequests: number;
  readonly admittedRequests: number;
  readonly tokenLimit: number | null;
  readonly offeredTokens: number;
  readonly admittedTokens: number;
}

/** Whether the runner wrote one result per input line (the only thing the quick mode checks). */
export interface ResultCheck {
  readonly expected: number;
  readonly written: number;
  readonly uniqueCustomIds: number;
}

/** Everything measured in one run. */
export interface RunRecord {
  readonly scenario: ScenarioId;
  readonly runner: RunnerId;
  readonly lines: number;
  /** Lines whose prompt got at least one complete, successful answer (simulator). */
  readonly linesSucceeded: number;
  readonly linesFailed: number;
  /** Chat requests the endpoint received, and how many it answered 429, by limit (simulator). */
  readonly requests: number;
  readonly rateLimited: RateLimitCounts;
  readonly rateLimitedTotal: number;
  readonly rateLimitedShare: number;
  /** From the first request to the last successful answer, ms after the simulator started. */
  readonly activeFromMs: number | null;
  readonly activeToMs: number | null;
  readonly activeMs: number;
  readonly goodputPerSecond: number;
  /** The ceiling, time-weighted over the active interval. */
  readonly ceilingPerSecond: number;
  readonly goodputRatio: number;
  readonly peaks: readonly PhasePeak[];
  readonly maxInFlight: number;
  readonly results: readonly ResultCheck[];
  readonly wallMs: number;
  readonly timedOut: boolean;
  readonly exitCodes: readonly (number | null)[];
  readonly runnerFailures: Readonly<Record<string, number>>;
  readonly runnerSummaries: readonly unknown[];
  readonly notes: readonly string[];
  /** What the endpoint saw per window, for plots. */
  readonly timeline: readonly LoadBucket[];
}

/** When the endpoint first saw a request and last completed an answer, in simulator time. */
interface Activity {
  firstRequestMs: number | null;
  lastSuccessMs: number | null;
}

/** Poll the simulator's stats every `everyMs` (the stats endpoint is not counted as a request). */
function watchActivity(simulator: RunningSimulator, everyMs: number): { stop(): Activity } {
  const activity: Activity = { firstRequestMs: null, lastSuccessMs: null };
  let succeeded = 0;
  const poll = (): void => {
    const stats = simulator.stats();
    if (activity.firstRequestMs === null && stats.chatRequests > 0)
      activity.firstRequestMs = stats.load.elapsedMs;
    if (stats.succeeded > succeeded) {
      succeeded = stats.succeeded;
      activity.lastSuccessMs = stats.load.elapsedMs;
    }
  };
  const timer = setInterval(poll, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      poll();
      return activity;
    },
  };
}

async function checkResults(path: string | null, input: JobInput): Promise<ResultCheck> {
  const rows = path === null ? null : await readJsonl(path);
  return {
    expected: input.lines,
    written: rows?.length ?? 0,
    uniqueCustomIds: new Set(rows?.map((row) => row['custom_id'])).size,
  };
}

function peaksOf(scenario: Scenario, stats: SimulatorStats): PhasePeak[] {
  return stats.load.phases.map((phase) => {
    const limits = limitsAt(scenario, phase.atMs);
    return {
      atMs: phase.atMs,
      requestLimit: limits.requestsPerWindow,
      offeredRequests: phase.peaks.offeredRequests,
      admittedRequests: phase.peaks.admittedRequests,
      tokenLimit: limits.tokensPerWindow,
      offeredTokens: phase.peaks.offeredTokens,
      admittedTokens: phase.peaks.admittedTokens,
    };
  });
}

/** Kill a runner after this long: five times what the ceiling needs, plus a minute for start-up. */
export function runTimeoutMs(scenario: Scenario): number {
  const slowest = Math.min(...phaseCeilings(scenario).map((phase) => phase.ceiling.perSecond));
  return Math.round((5 * totalLines(scenario) * 1000) / slowest + 60_000);
}

/** Run `runner` through `scenario` against a fresh simulator; `dir` holds inputs and outputs. */
export async function measureRun(scenario: Scenario, runner: Runner, dir: string): Promise<RunRecord> {
  await mkdir(dir, { recursive: true });
  const inputs = await writeJobInputs(scenario, dir);
  const workDir = join(dir, 'work');
  await mkdir(workDir, { recursive: true });
  const simulator = await startSimulator(simulatorOptions(scenario));
  let stats: SimulatorStats;
  let activity: Activity;
  let outcome: Awaited<ReturnType<Runner['run']>>;
  try {
    const watch = watchActivity(simulator, 10);
    try {
      outcome = await runner.run({
        scenario,
        baseURL: simulator.url,
        inputs,
        workDir,
        timeoutMs: runTimeoutMs(scenario),
      });
    } finally {
      activity = watch.stop();
    }
    stats = simulator.stats();
  } finally {
    await simulator.close();
  }
  const succeededKeys = new Set(Object.keys(stats.completedByPrompt));
  const lines = totalLines(scenario);
  const linesSucceeded = inputs.reduce(
    (sum, input) => sum + input.promptKeys.filter((key) => succeededKeys.has(key)).length,
    0,
  );
  const { firstRequestMs, lastSuccessMs } = activity;
  const activeMs = firstRequestMs !== null && lastSuccessMs !== null ? lastSuccessMs - firstRequestMs : 0;
  const ceilingPerSecond = meanCeiling(scenario, firstRequestMs ?? 0, lastSuccessMs ?? 0);
  const goodputPerSecond = activeMs > 0 ? linesSucceeded / (activeMs / 1000) : 0;
  const rateLimitedTotal = stats.rateLimited.concurrency + stats.rateLimited.rpm + stats.rateLimited.tpm;
  return {
    scenario: scenario.id,
    runner: runner.id,
    lines,
    linesSucceeded,
    linesFailed: lines - linesSucceeded,
    requests: stats.chatRequests,
    rateLimited: stats.rateLimited,
    rateLimitedTotal,
    rateLimitedShare: stats.chatRequests > 0 ? rateLimitedTotal / stats.chatRequests : 0,
    activeFromMs: firstRequestMs,
    activeToMs: lastSuccessMs,
    activeMs,
    goodputPerSecond,
    ceilingPerSecond,
    goodputRatio: goodputPerSecond / ceilingPerSecond,
    peaks: peaksOf(scenario, stats),
    maxInFlight: stats.maxInFlight,
    results: await Promise.all(
      inputs.map((input, job) => checkResults(outcome.resultFiles[job] ?? null, input)),
    ),
    wallMs: outcome.wallMs,
    timedOut: outcome.timedOut,
    exitCodes: outcome.exitCodes,
    runnerFailures: outcome.failures,
    runnerSummaries: outcome.summaries,
    notes: outcome.notes,
    timeline: stats.load.timeline,
  };
}

/**
 * The scale benchmark: N one-token lines end to end, each runner in a child process against a
 * zero-latency simulator in this process — thinkbatch on its embedded default (composed as `run` is), and the
 * non-durable `openai` loop. Per run: wall time, lines/s, peak RSS of the runner's process tree, and for
 * thinkbatch lines/s per stage (from its run.log) and a check of results.jsonl (every line, in order).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { missingHeapEnv, missingHeapFlags } from '../../packages/cli/src/heap-policy';
import { describeMachine, type Machine } from '../machine';
import type { HeapPeaks, HeapSample } from './heap-peaks';
import { checkOrderedResults, type ResultsCheck } from './ordered-results';
import { parseRunStages, type RunStages, type StageRates, stageRates } from './run-log-stages';
import { runScaleChild } from './scale-child';
import { writeOneTokenPrompts } from './scale-input';
import { SCALE_API_KEY, startScaleSimulator } from './scale-simulator';

export const SCALE_RUNNER_IDS = ['thinkbatch', 'openai-loop'] as const;
export type ScaleRunnerId = (typeof SCALE_RUNNER_IDS)[number];

/**
 * The thinkbatch flags of every run: `--simulate`'s limits (6,000 requests/min over a 1 s window: at
 * most 100 calls/s), calls in flight found by the gate, and 4 worker invocations (each up to 4 work
 * items of 50 lines: 800 lines at once, plenty at zero latency). With the deployed 20 invocations, at
 * zero latency on a loaded machine, they contend on the one rate gate item until acquires fail ("still
 * contended after 50 attempts") and their work items wait out the visibility timeout (BENCHMARKS.md).
 */
export const THINKBATCH_SCALE_FLAGS = ['--rpm', '6000', '--rate-window-ms', '1000', '--invocations', '4'];

export interface ScaleOptions {
  /** Line counts, one run of each runner per count. */
  readonly sizes: readonly number[];
  readonly runners?: readonly ScaleRunnerId[];
  readonly workDir: string;
  /** thinkbatch's flags instead of `THINKBATCH_SCALE_FLAGS` (e.g. another rate limit). @default THINKBATCH_SCALE_FLAGS */
  readonly thinkbatchFlags?: readonly string[];
  /** Write a V8 CPU profile of the thinkbatch process here (`node --cpu-prof`). */
  readonly cpuProfileDir?: string;
  /**
   * Node's flags for the thinkbatch process (e.g. a heap cap: `--max-old-space-size=256`); the CLI's heap
   * policy (`packages/cli/src/heap-policy.ts`) fills in the flags not given, as `thinkbatch run` does.
   * @default the heap policy's
   */
  readonly thinkbatchNodeFlags?: readonly string[];
  /** Per run. @default 2 h */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** One runner at one size. */
export interface ScaleRun {
  readonly runner: ScaleRunnerId;
  readonly lines: number;
  readonly ok: boolean;
  /** Why the run failed (its stderr's last line), or null. */
  readonly failure: string | null;
  readonly wallMs: number;
  /** lines ÷ wall (start-up included). */
  readonly linesPerSecond: number;
  readonly peakRssMiB: number;
  /** thinkbatch only. */
  readonly stages: RunStages | null;
  readonly stageRates: StageRates | null;
  /** thinkbatch: results.jsonl; the loop: what it reports. */
  readonly results: ResultsCheck;
  /** thinkbatch: AWS requests its runtime sent, by `Service.Command` (downloads of the outputs included). */
  readonly requests: Record<string, number> | null;
  /** thinkbatch: peaks of its process's memory, MiB (`heap-peaks.ts`). */
  readonly memory?: HeapPeaks | null;
  /** thinkbatch: its process's memory every 10 s, MiB (`heap-peaks.ts`): what grows with the job. */
  readonly memoryTimeline?: readonly HeapSample[] | null;
}

export interface ScaleResult {
  readonly machine: Machine;
  readonly startedAt: string;
  readonly flags: readonly string[];
  readonly runs: readonly ScaleRun[];
}

const MiB = 1024 * 1024;

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const log = options.log ?? (() => {});
  const runners = options.runners ?? SCALE_RUNNER_IDS;
  const machine = await describeMachine();
  const startedAt = new Date().toISOString();
  const runs: ScaleRun[] = [];
  for (const lines of options.sizes) {
    const dir = join(options.workDir, `lines-${lines}`);
    await mkdir(dir, { recursive: true });
    const input = join(dir, 'input.jsonl');
    await writeOneTokenPrompts(input, lines);
    for (const runner of runners) {
      log(`${runner}: ${lines} lines …`);
      const simulator = await startScaleSimulator();
      try {
        const run = await (runner === 'thinkbatch'
          ? runThinkbatch(simulator.url, input, join(dir, 'thinkbatch'), lines, options)
          : runLoop(simulator.url, input, lines, options));
        log(
          `${runner}: ${lines} lines in ${(run.wallMs / 1000).toFixed(1)} s, ${run.linesPerSecond.toFixed(0)} lines/s, peak ${run.peakRssMiB} MiB${run.ok ? '' : ` FAILED: ${run.failure}`}`,
        );
        runs.push(run);
      } finally {
        await simulator.close();
      }
    }
  }
  return { machine, startedAt, flags: options.thinkbatchFlags ?? THINKBATCH_SCALE_FLAGS, runs };
}

async function runThinkbatch(
  url: string,
  input: string,
  out: string,
  lines: number,
  options: ScaleOptions,
): Promise<ScaleRun> {
  const userFlags = options.thinkbatchNodeFlags ?? [];
  const nodeArgs = [
    ...missingHeapFlags(userFlags, undefined),
    ...userFlags,
    ...(options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`]),
  ];
  const child = await runScaleChild(
    'bench/scale/thinkbatch-scale-runner.ts',
    [
      '--endpoint',
      url,
      '--api-key',
      SCALE_API_KEY,
      '--out',
      out,
      ...(options.thinkbatchFlags ?? THINKBATCH_SCALE_FLAGS),
      input,
    ],
    { timeoutMs: options.timeoutMs ?? 7_200_000, nodeArgs, env: missingHeapEnv({}) },
  );
  const stages = parseRunStages(await readFile(join(out, 'run.log'), 'utf8').catch(() => ''));
  const results = await checkOrderedResults(join(out, 'results.jsonl')).catch(() => ({
    lines: 0,
    outOfOrder: 0,
    succeeded: 0,
  }));
  const ok = child.code === 0 && results.lines === lines && results.outOfOrder === 0;
  return {
    runner: 'thinkbatch',
    lines,
    ok,
    failure: ok ? null : lastLine(child.stderrTail) || `results: ${JSON.stringify(results)}`,
    wallMs: child.wallMs,
    linesPerSecond: lines / (child.wallMs / 1000),
    peakRssMiB: Math.round(child.peakRssBytes / MiB),
    stages,
    stageRates: stageRates(stages, lines),
    results,
    requests: lastJson(child.stdout)?.['requests'] ?? null,
    memory: lastJson(child.stdout)?.['memory'] ?? null,
    memoryTimeline: lastJson(child.stdout)?.['memoryTimeline'] ?? null,
  };
}

async function runLoop(url: string, input: string, lines: number, options: ScaleOptions): Promise<ScaleRun> {
  const child = await runScaleChild(
    'bench/scale/openai-loop.ts',
    ['--base-url', url, '--api-key', SCALE_API_KEY, '--input', input],
    { timeoutMs: options.timeoutMs ?? 7_200_000 },
  );
  const succeeded = succeededOf(child.stdout);
  const ok = child.code === 0 && succeeded === lines;
  return {
    runner: 'openai-loop',
    lines,
    ok,
    failure: ok ? null : lastLine(child.stderrTail) || `${succeeded} of ${lines} succeeded`,
    wallMs: child.wallMs,
    linesPerSecond: lines / (child.wallMs / 1000),
    peakRssMiB: Math.round(child.peakRssBytes / MiB),
    stages: null,
    stageRates: null,
    results: { lines: succeeded, outOfOrder: 0, succeeded },
    requests: null,
  };
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .at(-1) ?? ''
  );
}

/** The last stdout line as a JSON object, or null. */
function lastJson(stdout: string): {
  requests?: Record<string, number>;
  memory?: HeapPeaks;
  memoryTimeline?: HeapSample[];
  succeeded?: unknown;
} | null {
  try {
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { requests?: Record<string, number> };
  } catch {
    return null;
  }
}

/** `succeeded` of the loop's JSON summary (its last stdout line); 0 when it printed none. */
function succeededOf(stdout: string): number {
  const succeeded = lastJson(stdout)?.succeeded;
  return typeof succeeded === 'number' ? succeeded : 0;
}

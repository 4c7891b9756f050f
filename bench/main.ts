/**
 * `pnpm bench`: the rate-control benchmark (issue 8). See BENCHMARKS.md for what it measures.
 *
 *   pnpm bench --label before-gate --title "Before the rate gate"   # full run (~8 min), into BENCHMARKS.md
 *   pnpm bench --quick                                               # every scenario, a few lines, no timing
 *   pnpm bench --scenario rpm --runner thinkbatch                    # one cell (repeatable flags)
 *   pnpm bench --render bench/results/before-gate.json               # its section again, from the raw JSON
 *   pnpm bench --suite scale …                                       # the scale benchmark: bench/scale/main-scale.ts
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { REPO_ROOT } from './child-process';
import { composeBenchmarksFile, renderHeader, renderRunSection } from './report';
import { type BenchResult, runBench } from './run-bench';
import { RUNNER_IDS, type RunnerId } from './runners/runner';
import { mainScale } from './scale/main-scale';
import { SCENARIO_IDS, type ScenarioId } from './scenarios';

/** Where a run's outputs go. */
export interface OutputPaths {
  /** Raw JSON of the run. */
  readonly rawJson: string;
  /** The markdown file the run's section is merged into. */
  readonly markdown: string;
}

/** Default outputs: the full mode's are committed, the quick mode's are git-ignored. */
export function defaultOutputPaths(quick: boolean, label: string): OutputPaths {
  return quick
    ? {
        rawJson: join(REPO_ROOT, 'bench/results/quick', `${label}.json`),
        markdown: join(REPO_ROOT, 'bench/results/quick/BENCHMARKS.quick.md'),
      }
    : {
        rawJson: join(REPO_ROOT, 'bench/results', `${label}.json`),
        markdown: join(REPO_ROOT, 'BENCHMARKS.md'),
      };
}

/** How a run is named in the report; kept in its raw JSON so the section can be rendered again. */
export interface RunLabel {
  readonly label: string;
  readonly title: string;
  readonly command: string;
  readonly remark?: string;
}

/** The raw JSON of a run. */
export type RawRun = BenchResult & { readonly run: RunLabel };

/** Merge the run's section into the markdown file at `markdown`; `rawJson` is what the section cites. */
export async function writeMarkdown(raw: RawRun, paths: OutputPaths): Promise<void> {
  await mkdir(dirname(paths.markdown), { recursive: true });
  const previous = await readFile(paths.markdown, 'utf8').catch(() => '');
  const section = renderRunSection(raw, { ...raw.run, rawJsonPath: relative(REPO_ROOT, paths.rawJson) });
  await writeFile(paths.markdown, composeBenchmarksFile(renderHeader(raw), previous, raw.run.label, section));
}

/**
 * Format written files as `pnpm format` would, so committed results pass `pnpm lint` (Biome lays JSON out
 * differently from `JSON.stringify`). Only files inside the repository (Biome fails on others); a
 * formatter failure is reported, not fatal: the figures are written already.
 */
async function formatWithBiome(paths: readonly string[]): Promise<void> {
  const inside = paths.filter((path) => !relative(REPO_ROOT, path).startsWith('..'));
  if (inside.length === 0) return;
  const biome = join(REPO_ROOT, 'node_modules/.bin/biome');
  await promisify(execFile)(biome, ['format', '--write', '--no-errors-on-unmatched', ...inside], {
    cwd: REPO_ROOT,
  }).catch((error: unknown) =>
    process.stderr.write(`bench: could not format ${inside.join(', ')}: ${String(error)}\n`),
  );
}

/** Write the raw JSON and merge the run's section into the markdown file. */
export async function writeOutputs(result: BenchResult, run: RunLabel, paths: OutputPaths): Promise<void> {
  const raw: RawRun = { ...result, run };
  await mkdir(dirname(paths.rawJson), { recursive: true });
  await writeFile(paths.rawJson, `${JSON.stringify(raw, null, 2)}\n`);
  await writeMarkdown(raw, paths);
  await formatWithBiome([paths.rawJson, paths.markdown]);
}

function oneOf<T extends string>(name: string, allowed: readonly T[], values: readonly string[]): T[] {
  for (const value of values) {
    if (!allowed.includes(value as T))
      throw new Error(`--${name} ${value}: expected one of ${allowed.join(', ')}`);
  }
  return values as T[];
}

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      label: { type: 'string' },
      title: { type: 'string' },
      remark: { type: 'string' },
      scenario: { type: 'string', multiple: true },
      runner: { type: 'string', multiple: true },
      parallel: { type: 'string' },
      'keep-work': { type: 'boolean', default: false },
      render: { type: 'string' },
    },
  });
  if (values.render !== undefined) {
    // Render a run's section again from its raw JSON (after a change to the report), running nothing.
    const rawJson = resolve(values.render);
    const raw = JSON.parse(await readFile(rawJson, 'utf8')) as RawRun;
    const paths = { rawJson, markdown: defaultOutputPaths(raw.mode === 'quick', raw.run.label).markdown };
    await writeMarkdown(raw, paths);
    await formatWithBiome([paths.markdown]);
    process.stderr.write(`bench: rendered ${relative(REPO_ROOT, paths.markdown)} from ${values.render}\n`);
    return;
  }
  const label = values.label ?? (values.quick ? 'quick' : `run-${new Date().toISOString().slice(0, 10)}`);
  const scenarioIds: ScenarioId[] | undefined =
    values.scenario === undefined ? undefined : oneOf('scenario', SCENARIO_IDS, values.scenario);
  const runnerIds: RunnerId[] | undefined =
    values.runner === undefined ? undefined : oneOf('runner', RUNNER_IDS, values.runner);
  const workDir = await mkdtemp(join(tmpdir(), 'thinkbatch-bench-'));
  const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
  try {
    const result = await runBench({
      quick: values.quick,
      workDir,
      parallel: Number(values.parallel ?? (values.quick ? 3 : 1)),
      log,
      ...(scenarioIds !== undefined && { scenarios: scenarioIds }),
      ...(runnerIds !== undefined && { runners: runnerIds }),
    });
    const paths = defaultOutputPaths(values.quick, label);
    const command = [
      './scripts/pnpm bench',
      ...argv.map((arg) => (/[\s"]/.test(arg) ? JSON.stringify(arg) : arg)),
    ];
    const run: RunLabel = {
      label,
      title: values.title ?? label,
      command: command.join(' '),
      ...(values.remark !== undefined && { remark: values.remark }),
    };
    await writeOutputs(result, run, paths);
    log(`wrote ${relative(REPO_ROOT, paths.markdown)} and ${relative(REPO_ROOT, paths.rawJson)}`);
  } finally {
    if (values['keep-work']) log(`inputs and runner outputs kept in ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  (argv.includes('--suite=scale') || argv.join(' ').includes('--suite scale')
    ? mainScale(argv)
    : main(argv)
  ).catch((error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}

/**
 * `pnpm bench --suite scale`: the scale benchmark (issue 12). See BENCHMARKS.md, "Scale".
 *
 *   pnpm bench --suite scale --lines 5000 --label before --title "Before the cuts"
 *   pnpm bench --suite scale --lines 5000 --runner thinkbatch --cpu-prof DIR   # profile the embedded run
 *   pnpm bench --suite scale --quick                                           # 200 lines, no timing
 *   pnpm bench --suite scale --thinkbatch-flags="--rpm 600000 --rate-window-ms 1000 --invocations 4"
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../child-process';
import { formatWithBiome } from '../format-with-biome';
import { runScale, SCALE_RUNNER_IDS, type ScaleResult, type ScaleRunnerId } from './run-scale';
import { mergeScaleSection, renderScaleSection, type ScaleLabel } from './scale-report';

/** Lines of the quick mode (CI). */
export const QUICK_LINES = 200;

/** Where a scale run's raw JSON and markdown go. */
export function scaleOutputPaths(quick: boolean, label: string): { rawJson: string; markdown: string } {
  return quick
    ? {
        rawJson: join(REPO_ROOT, 'bench/results/quick', `scale-${label}.json`),
        markdown: join(REPO_ROOT, 'bench/results/quick/BENCHMARKS.scale.quick.md'),
      }
    : {
        rawJson: join(REPO_ROOT, 'bench/results', `scale-${label}.json`),
        markdown: join(REPO_ROOT, 'BENCHMARKS.md'),
      };
}

/** Write the raw JSON and merge the run's section into the markdown file, both as Biome lays them out. */
export async function writeScaleOutputs(
  result: ScaleResult,
  label: Omit<ScaleLabel, 'rawJsonPath'>,
  paths: { rawJson: string; markdown: string },
): Promise<void> {
  await mkdir(dirname(paths.rawJson), { recursive: true });
  const raw = `${JSON.stringify({ ...result, run: label }, null, 2)}\n`;
  await writeFile(paths.rawJson, await formatWithBiome(raw, paths.rawJson));
  const section = renderScaleSection(result, { ...label, rawJsonPath: relative(REPO_ROOT, paths.rawJson) });
  const previous = await readFile(paths.markdown, 'utf8').catch(() => '');
  const merged = mergeScaleSection(previous, label.label, section);
  await writeFile(paths.markdown, await formatWithBiome(merged, paths.markdown));
}

export async function mainScale(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      suite: { type: 'string' },
      quick: { type: 'boolean', default: false },
      lines: { type: 'string', multiple: true },
      runner: { type: 'string', multiple: true },
      label: { type: 'string' },
      title: { type: 'string' },
      remark: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'keep-work': { type: 'boolean', default: false },
      'thinkbatch-flags': { type: 'string' },
      'thinkbatch-node-flags': { type: 'string' },
    },
  });
  const sizes = values.quick ? [QUICK_LINES] : (values.lines ?? ['5000']).map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--lines: a positive integer');
  const runners = (values.runner ?? [...SCALE_RUNNER_IDS]).map((id) => {
    if (!SCALE_RUNNER_IDS.includes(id as ScaleRunnerId))
      throw new Error(`--runner ${id}: expected one of ${SCALE_RUNNER_IDS.join(', ')}`);
    return id as ScaleRunnerId;
  });
  const label = values.label ?? (values.quick ? 'quick' : `run-${new Date().toISOString().slice(0, 10)}`);
  const workDir = await mkdtemp(join(tmpdir(), 'thinkbatch-scale-'));
  const log = (line: string): void => void process.stderr.write(`bench scale: ${line}\n`);
  try {
    const cpuProfileDir = values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']);
    const result = await runScale({
      sizes,
      runners,
      workDir,
      log,
      ...(cpuProfileDir !== undefined && { cpuProfileDir }),
      ...(values['thinkbatch-flags'] !== undefined && {
        thinkbatchFlags: values['thinkbatch-flags'].split(/\s+/).filter((flag) => flag !== ''),
      }),
      ...(values['thinkbatch-node-flags'] !== undefined && {
        thinkbatchNodeFlags: values['thinkbatch-node-flags'].split(/\s+/).filter((flag) => flag !== ''),
      }),
    });
    const paths = scaleOutputPaths(values.quick, label);
    const command = [
      './scripts/pnpm bench',
      ...argv.map((arg) => (/[\s"]/.test(arg) ? JSON.stringify(arg) : arg)),
    ];
    await writeScaleOutputs(
      result,
      {
        label,
        title: values.title ?? label,
        command: command.join(' '),
        ...(values.remark !== undefined && { remark: values.remark }),
      },
      paths,
    );
    log(`wrote ${relative(REPO_ROOT, paths.markdown)} and ${relative(REPO_ROOT, paths.rawJson)}`);
    if (result.runs.some((run) => !run.ok)) process.exitCode = 1;
  } finally {
    if (values['keep-work']) log(`inputs and outputs kept in ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }
}

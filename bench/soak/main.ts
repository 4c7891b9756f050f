/**
 * `pnpm soak`: the large soak (issue 11). Each seed runs one scenario of `--lines` lines on the embedded
 * stack under a random mix of every fault, then the checker; a short report goes to stdout and a file.
 *
 *   pnpm soak                                   # 3,000 lines, seeds 1–3
 *   pnpm soak --lines 5000 --seeds 10           # seeds 1–10
 *   pnpm soak --seed 42 --jobs 2                # one seed (or SOAK_SEED=42 pnpm soak)
 *   pnpm soak --seed 42 --without sdk,crashes   # leave fault families out, to find which one breaks it
 *   pnpm soak --timeout-s 600                   # how long the jobs may take (@default 60 s + 300 ms a line)
 *   pnpm soak --out soak.md                     # @default bench/results/soak/soak-<time>.md
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSoakScenario, SOAK_FAULT_FAMILIES, type SoakFaultFamily } from '@thinkbatch/testing';
import { runSoak, type SoakRun } from '../../test/faults/soak-run';
import { REPO_ROOT } from '../child-process';
import { renderSoakReport } from './soak-report';

function integer(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name}: an integer ≥ ${min}, got ${value}`);
  return n;
}

function families(value: string | undefined): SoakFaultFamily[] {
  if (value === undefined || value === '') return [];
  return value.split(',').map((name) => {
    if (!SOAK_FAULT_FAMILIES.includes(name as SoakFaultFamily))
      throw new Error(`--without ${name}: expected some of ${SOAK_FAULT_FAMILIES.join(', ')}`);
    return name as SoakFaultFamily;
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      lines: { type: 'string' },
      seeds: { type: 'string' },
      seed: { type: 'string' },
      jobs: { type: 'string' },
      without: { type: 'string' },
      out: { type: 'string' },
      'timeout-s': { type: 'string' },
    },
  });
  const lines = integer('lines', values.lines, 1) ?? 3_000;
  const jobs = integer('jobs', values.jobs, 1);
  const one = integer('seed', values.seed ?? process.env['SOAK_SEED'], 0);
  const seeds =
    one !== undefined
      ? [one]
      : Array.from({ length: integer('seeds', values.seeds, 1) ?? 3 }, (_, i) => i + 1);
  const timeoutS = integer('timeout-s', values['timeout-s'], 1);
  const without = families(values.without ?? process.env['SOAK_WITHOUT']);
  const started = new Date();
  const out =
    values.out ??
    join(REPO_ROOT, 'bench/results/soak', `soak-${started.toISOString().replace(/[:.]/g, '-')}.md`);
  const runs: SoakRun[] = [];
  for (const seed of seeds) {
    const scenario = generateSoakScenario({ seed, lines, without, ...(jobs !== undefined && { jobs }) });
    const run = await runSoak(scenario, {
      ...(timeoutS !== undefined && { timeoutMs: timeoutS * 1_000 }),
      progress: (line) => void process.stderr.write(`soak: ${line}\n`),
    });
    process.stdout.write(`${run.text}\n\n`);
    runs.push(run);
  }
  const report = renderSoakReport(runs, { started, command: `pnpm soak ${argv.join(' ')}`.trim() });
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, report);
  process.stdout.write(`${report}\nreport written to ${out}\n`);
  return runs.every((r) => r.check.ok) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  },
);

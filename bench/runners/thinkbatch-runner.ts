/**
 * thinkbatch as a user runs it. One job: the CLI (`thinkbatch run <file> --endpoint <simulator>`), in a
 * child process, on its embedded runtime. Two jobs: `thinkbatch-jobs.ts`, which starts the same runtime
 * the CLI starts and submits both files to it at once (the CLI takes one file per runtime, and two CLI
 * processes would be two runtimes, not two jobs on one deployment).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { failureLine, runTypeScript } from '../child-process';
import { countInto, readJsonl } from '../jsonl';
import type { Scenario } from '../scenarios';
import type { Runner, RunnerContext, RunnerOutcome } from './runner';
import { filterArgs, knownFlags } from './thinkbatch-flags';

export const CLI_SCRIPT = 'packages/cli/src/main.ts';
export const JOBS_SCRIPT = 'bench/runners/thinkbatch-jobs.ts';

/** The program that runs a scenario's jobs. */
export const thinkbatchScript = (scenario: Scenario): string =>
  scenario.jobs.length === 1 ? CLI_SCRIPT : JOBS_SCRIPT;

async function failuresOf(outDirs: readonly string[]): Promise<Record<string, number>> {
  const failures: Record<string, number> = {};
  for (const dir of outDirs) {
    for (const row of (await readJsonl(join(dir, 'errors.jsonl'))) ?? []) {
      const error = row['error'] as { code?: string } | null | undefined;
      countInto(failures, error?.code ?? String(row['status']));
    }
  }
  return failures;
}

/** The job's `summary.json` (one pretty-printed object), or null when there is none. */
async function readSummary(dir: string): Promise<unknown> {
  const text = await readFile(join(dir, 'summary.json'), 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text) as unknown);
}

export const thinkbatch: Runner = {
  id: 'thinkbatch',
  description:
    "`thinkbatch run <file> --endpoint <simulator>` on its embedded runtime (emulators, workers, defaults) plus the scenario's flags; two jobs: bench/runners/thinkbatch-jobs.ts, one runtime composed as the CLI composes it, both files submitted at once",
  async run(context: RunnerContext): Promise<RunnerOutcome> {
    const script = thinkbatchScript(context.scenario);
    const { passed, dropped } = filterArgs(context.scenario.thinkbatchArgs, await knownFlags(script));
    const connection = ['--endpoint', context.baseURL, '--api-key', 'bench'];
    const outDirs =
      context.inputs.length === 1
        ? [join(context.workDir, 'out')]
        : context.inputs.map((_, job) => join(context.workDir, 'out', `job-${job + 1}`));
    const args =
      context.inputs.length === 1
        ? ['run', context.inputs[0]?.path ?? '', '--out', outDirs[0] ?? '', ...connection, ...passed]
        : [
            '--out',
            join(context.workDir, 'out'),
            ...connection,
            ...passed,
            ...context.inputs.map((i) => i.path),
          ];
    const child = await runTypeScript(script, args, context.timeoutMs);
    const notes: string[] = [];
    if (dropped.length > 0) notes.push(`flags not known to ${script} yet, dropped: ${dropped.join(' ')}`);
    if (child.code !== 0) notes.push(`exited ${child.code ?? 'killed'}: ${failureLine(child.stderrTail)}`);
    return {
      resultFiles: outDirs.map((dir) => join(dir, 'results.jsonl')),
      summaries: await Promise.all(outDirs.map(readSummary)),
      exitCodes: [child.code],
      timedOut: child.timedOut,
      wallMs: child.wallMs,
      failures: await failuresOf(outDirs),
      notes,
    };
  },
};

import type { SoakRun } from '../../test/faults/soak-run';
import { formatCounts } from '../../test/faults/soak-run';

/** The short report of a soak: one row per seed, the faults by kind over all seeds, each failure's replay. */
export function renderSoakReport(
  runs: readonly SoakRun[],
  meta: { readonly started: Date; readonly command: string },
): string {
  const faults: Record<string, number> = {};
  for (const run of runs)
    for (const [kind, n] of Object.entries(run.faults)) faults[kind] = (faults[kind] ?? 0) + n;
  const rows = runs.map((run) => {
    const { scenario, check } = run;
    const verdict = check.ok ? 'all hold' : `${check.violations.length} violation(s)`;
    return `| ${scenario.seed} | ${scenario.lines} | ${scenario.jobs.length} | ${verdict} | ${(run.wallMs / 1_000).toFixed(1)} s | ${formatCounts(run.outcomes)} |`;
  });
  const failures = runs.filter((r) => !r.check.ok).map((r) => `\n\`\`\`\n${r.text}\n\`\`\``);
  return [
    `# Soak report (${meta.started.toISOString()})`,
    '',
    `\`${meta.command}\`: ${runs.length} seed(s), ${runs.reduce((a, r) => a + r.scenario.lines, 0)} lines, ` +
      `${runs.filter((r) => r.check.ok).length} of ${runs.length} with every invariant holding.`,
    '',
    '| seed | lines | jobs | invariants | wall time | line outcomes |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Faults injected, by kind (all seeds): ${formatCounts(Object.fromEntries(Object.entries(faults).sort(([a], [b]) => a.localeCompare(b))))}.`,
    ...failures,
    '',
  ].join('\n');
}

/**
 * The scale benchmark's section of BENCHMARKS.md: one table per run, between `bench-run` markers so the
 * rate benchmark's report keeps it when it rewrites the file (it keeps every marked section).
 */
import type { ScaleResult, ScaleRun } from './run-scale';

/** How a scale run is named in the report. */
export interface ScaleLabel {
  readonly label: string;
  readonly title: string;
  readonly command: string;
  readonly rawJsonPath: string;
  readonly remark?: string;
}

const perSecond = (value: number | null): string =>
  value === null ? '—' : Math.round(value).toLocaleString('en-US');

function resultsCell(run: ScaleRun): string {
  if (!run.ok) return `FAILED: ${run.failure ?? ''}`.replaceAll('|', '\\|');
  return run.runner === 'thinkbatch'
    ? `${run.results.lines.toLocaleString('en-US')} lines, in order, ${run.results.succeeded.toLocaleString('en-US')} succeeded`
    : `${run.results.succeeded.toLocaleString('en-US')} succeeded (in memory)`;
}

/** The marker a label's section is kept under. */
export const scaleMarker = (label: string): string => `scale-${label}`;

export function renderScaleSection(result: ScaleResult, label: ScaleLabel): string {
  const { machine } = result;
  const rows = result.runs.map(
    (run) =>
      `| ${run.runner} | ${run.lines.toLocaleString('en-US')} | ${(run.wallMs / 1000).toFixed(1)} s | ${perSecond(run.linesPerSecond)} | ${run.peakRssMiB} MiB | ${perSecond(run.stageRates?.fanOut ?? null)} | ${perSecond(run.stageRates?.processing ?? null)} | ${perSecond(run.stageRates?.finalize ?? null)} | ${resultsCell(run)} |`,
  );
  const marker = scaleMarker(label.label);
  return [
    `<!-- bench-run:${marker} -->`,
    `### Scale: ${label.title}`,
    '',
    `\`${label.command}\` — ${result.startedAt.slice(0, 16).replace('T', ' ')} UTC, commit ${machine.commit}, ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, load average at start ${machine.loadAverage.join(' / ')}. thinkbatch flags: \`${result.flags.join(' ')}\`. Raw figures: \`${label.rawJsonPath}\`.`,
    ...(label.remark === undefined ? [] : ['', label.remark]),
    '',
    '| runner | lines | wall | lines/s | peak RSS (tree) | fan-out lines/s | processing lines/s | finalize lines/s | results |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    `<!-- /bench-run:${marker} -->`,
    '',
  ].join('\n');
}

/** `previous` with the section of the same marker replaced, or the section appended at the end. */
export function mergeScaleSection(previous: string, label: string, section: string): string {
  const marker = scaleMarker(label);
  const pattern = new RegExp(`<!-- bench-run:${marker} -->[\\s\\S]*?<!-- /bench-run:${marker} -->\\n?`);
  if (pattern.test(previous)) return previous.replace(pattern, section);
  return `${previous.trimEnd()}\n\n${section}`;
}

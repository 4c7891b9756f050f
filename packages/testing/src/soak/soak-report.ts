import type { SoakCheckReport } from './soak-checker';
import type { SoakScenario } from './soak-scenario-types';

/** How to run one seed again, by script and by the CI test. */
export function soakReplayHint(scenario: SoakScenario): string {
  const jobs = scenario.jobs.length;
  const off = scenario.without.length === 0 ? '' : ` --without ${scenario.without.join(',')}`;
  const offEnv = scenario.without.length === 0 ? '' : ` SOAK_WITHOUT=${scenario.without.join(',')}`;
  return (
    `replay: SOAK_SEED=${scenario.seed} pnpm soak --lines ${scenario.lines} --jobs ${jobs}${off}` +
    `   (or SOAK_SEED=${scenario.seed} SOAK_LINES=${scenario.lines} SOAK_JOBS=${jobs}${offEnv} pnpm exec vitest run test/faults/soak.test.ts)`
  );
}

const pct = (rate: number | undefined): string => `${((rate ?? 0) * 100).toFixed(1)}%`;

/** The scenario as text: what one seed decided, enough to read what ran without the code. */
export function describeSoakScenario(scenario: SoakScenario): string {
  const { endpoint, runtime } = scenario;
  const rates = Object.entries(endpoint.faultRates)
    .map(([name, rate]) => `${name} ${pct(rate)}`)
    .join(', ');
  const jobs = scenario.jobs.map(
    (j) =>
      `  job ${j.index}: ${j.lines} lines, maxAttempts ${j.maxAttempts}, ${j.linesPerChunk} lines/chunk, ` +
      `attempt timeout ${j.attemptTimeoutMs} ms, S3 event ×${j.delivery.copies} (delay ${j.delivery.delayMs} ms, ` +
      `spacing ${j.delivery.spacingMs} ms)${j.lateEvent ? ' + a late copy after the end' : ''}, starts at +${j.startDelayMs} ms`,
  );
  const lineFaults = new Map<string, number>();
  for (const f of endpoint.lineFaults) lineFaults.set(f.label, (lineFaults.get(f.label) ?? 0) + 1);
  return [
    `soak scenario seed ${scenario.seed}: ${scenario.lines} lines in ${scenario.jobs.length} job(s) sharing one endpoint` +
      (scenario.without.length === 0 ? '' : ` (without ${scenario.without.join(', ')})`),
    ...jobs,
    `  workers: timeout ${runtime.workerTimeoutMs} ms, visibility timeout ${runtime.visibilityTimeoutSeconds} s` +
      `${runtime.visibilityTimeoutSeconds * 1_000 < runtime.workerTimeoutMs ? ' (shorter: items come back while running)' : ''}, ` +
      `concurrency ${runtime.maxConcurrency}`,
    `  endpoint random faults: ${rates}; slow headers ${endpoint.slowHeadersMs} ms`,
    `  endpoint rate limit: ${endpoint.requestsPerWindow === null ? 'none' : `${endpoint.requestsPerWindow} per ${endpoint.rateWindowMs} ms, retry-after ${endpoint.retryAfterFormat}`}`,
    ...endpoint.windows.map((w) => `  ${w.label} on requests ${w.fromRequest}–${w.toRequest - 1}`),
    `  scripted line faults: ${[...lineFaults].map(([label, n]) => `${label} ×${n}`).join(', ') || 'none'}`,
    `  worker crashes after the model call: ${scenario.crashes.length} line(s)`,
    ...scenario.sdk.map(
      (r) =>
        `  sdk: ${r.label}: ${r.operations.join('/')} rate ${pct(r.rate)}` +
        `${r.after === undefined ? '' : ` after ${r.after} calls`}${r.times === undefined ? '' : ` ×${r.times}`}`,
    ),
  ].join('\n');
}

/** A checked run as text: the verdict, every violation, and each job's numbers. */
export function formatSoakCheck(scenario: SoakScenario, report: SoakCheckReport): string {
  const head = report.ok
    ? `seed ${scenario.seed}: all invariants hold`
    : `seed ${scenario.seed}: ${report.violations.length} violation(s)`;
  const rows = report.violations.map(
    (v) => `  - [${v.check}]${v.job === undefined ? '' : ` job ${v.job}`} ${v.message}`,
  );
  const jobs = report.jobs.map((j, i) => {
    const inv = j.invariants;
    if (inv === null) return `  job ${i} ${j.jobId}: ${j.status ?? 'missing'}, no outputs`;
    return (
      `  job ${i} ${j.jobId}: ${j.status}, ${inv.resultLines}/${inv.inputLines} lines, ${inv.calls} calls, ` +
      `kept ${inv.accepted.answers} answers (${inv.accepted.total_tokens} tokens), paid but discarded ` +
      `${inv.paidButDiscarded.answers} (${inv.paidButDiscarded.total_tokens} tokens)`
    );
  });
  return [head, ...rows, ...jobs].join('\n');
}

import type { LedgerEntry } from '@thinkbatch/simulator';
import { checkAttempts } from './attempt-invariants';
import { readInputLines } from './input-lines';
import type {
  CheckedLine,
  InvariantOptions,
  InvariantReport,
  JobEvidence,
  TokenSums,
  Violation,
} from './invariant-types';
import { indexLedger } from './ledger-index';
import { checkLineCoverage } from './line-coverage';
import { checkLineUsage } from './line-usage-invariants';
import { reportedUsage } from './reported-usage';
import { checkSummary } from './summary-invariants';

function sumTokens(entries: readonly LedgerEntry[]): TokenSums {
  let prompt = 0;
  let completion = 0;
  let total = 0;
  for (const entry of entries) {
    const usage = reportedUsage(entry.usage);
    prompt += usage?.prompt_tokens ?? 0;
    completion += usage?.completion_tokens ?? 0;
    total += usage?.total_tokens ?? 0;
  }
  return {
    answers: entries.length,
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: total,
  };
}

/**
 * Check a finished job against every invariant at once (see `INVARIANTS`) and report them all, not the
 * first. Complete answers the endpoint sent and no line kept (`paidButDiscarded`) are a number, not a
 * violation: a worker that dies after the call pays for an answer nobody keeps, by design.
 */
export function checkInvariants(evidence: JobEvidence, options: InvariantOptions): InvariantReport {
  const inputLines = readInputLines(evidence.input, options.promptKeyOf);
  const promptKeys = new Set(inputLines.flatMap((l) => (l.promptKey === null ? [] : [l.promptKey])));
  const ledger = indexLedger(evidence.ledger.entries, promptKeys);
  const violations: Violation[] = [];
  if (evidence.ledger.dropped > 0) {
    violations.push({
      invariant: 'ledger_incomplete',
      message: `the ledger dropped ${evidence.ledger.dropped} entries`,
    });
  }

  const coverage = checkLineCoverage(inputLines, evidence.results);
  const lost = coverage.violations.filter((v) => v.invariant === 'lost_line').length;
  const everyLine = options.expectEveryLine ?? true;
  violations.push(...coverage.violations.filter((v) => everyLine || v.invariant !== 'lost_line'));
  const lines: CheckedLine[] = coverage.parsed.map(({ result, input }) => ({
    result,
    promptKey: input?.promptKey ?? null,
  }));
  const usage = checkLineUsage(lines, ledger);
  violations.push(...usage.violations);
  violations.push(
    ...checkSummary(
      lines.map((l) => l.result),
      evidence.summary,
      usage.accepted,
    ),
  );
  violations.push(...checkAttempts(lines, ledger, options.maxAttempts));

  const kept = new Set(usage.accepted.map((entry) => entry.requestId));
  const calls = [...ledger.byPrompt.values()].flat();
  const discarded = calls.filter((entry) => entry.outcome === 'complete' && !kept.has(entry.requestId));
  return {
    ok: violations.length === 0,
    violations,
    paidButDiscarded: sumTokens(discarded),
    accepted: sumTokens(usage.accepted),
    inputLines: inputLines.length,
    resultLines: coverage.parsed.length,
    missingLines: lost,
    calls: calls.length,
    foreignCalls: ledger.foreign,
  };
}

/** A report as text: one line per violation, then the counts. */
export function formatInvariantReport(report: InvariantReport): string {
  const head = report.ok ? 'all invariants hold' : `${report.violations.length} invariant violation(s):`;
  const rows = report.violations.map((v) => `  - [${v.invariant}] ${v.message}`);
  const { paidButDiscarded: paid } = report;
  const tail =
    `${report.inputLines} input lines, ${report.resultLines} result lines (${report.missingLines} missing), ${report.calls} calls` +
    ` (${report.foreignCalls} foreign); paid but discarded: ${paid.answers} answers, ${paid.total_tokens} tokens`;
  return [head, ...rows, tail].join('\n');
}

/** `checkInvariants`, throwing one error that lists every violation when any invariant is broken. */
export function assertInvariants(evidence: JobEvidence, options: InvariantOptions): InvariantReport {
  const report = checkInvariants(evidence, options);
  if (!report.ok) throw new Error(formatInvariantReport(report));
  return report;
}

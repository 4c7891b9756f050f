import { JobSummary, type ResultLine, USAGE_FIELDS } from '@thinkbatch/core';
import type { LedgerEntry } from '@thinkbatch/simulator';
import type { Violation } from './invariant-types';
import { reportedUsage } from './reported-usage';

/**
 * summary.json agrees with the result lines, counted here by hand: lines by status, attempts, retries,
 * lines with unknown usage, and per usage field the exact sum, the lines with usage and the lines that
 * left the field unknown. And the job's prompt, completion and total tokens equal the sum of what the
 * endpoint reported for the answers the lines kept (`accepted`).
 */
export function checkSummary(
  results: readonly ResultLine[],
  rawSummary: unknown,
  accepted: readonly LedgerEntry[],
): Violation[] {
  const parsed = JobSummary.safeParse(rawSummary);
  if (!parsed.success) {
    return [
      {
        invariant: 'summary_counts_mismatch',
        message: `summary.json is not a JobSummary: ${parsed.error.message.slice(0, 300)}`,
      },
    ];
  }
  const summary = parsed.data;
  const violations: Violation[] = [];
  const expect = (
    invariant: Violation['invariant'],
    what: string,
    actual: number,
    expected: number,
  ): void => {
    if (actual !== expected) {
      violations.push({
        invariant,
        message: `summary ${what} is ${actual}, the result lines say ${expected}`,
      });
    }
  };

  const byStatus = (status: ResultLine['status']): number =>
    results.filter((r) => r.status === status).length;
  expect('summary_counts_mismatch', 'counts.total', summary.counts.total, results.length);
  for (const status of ['succeeded', 'failed', 'cancelled', 'expired'] as const) {
    expect('summary_counts_mismatch', `counts.${status}`, summary.counts[status], byStatus(status));
  }
  const attempts = results.reduce((sum, r) => sum + r.attempts, 0);
  const retries = results.reduce((sum, r) => sum + Math.max(0, r.attempts - 1), 0);
  expect('summary_counts_mismatch', 'attempts', summary.attempts, attempts);
  expect('summary_counts_mismatch', 'retries', summary.retries, retries);
  const unknownLines = results.filter((r) => r.usage === null && r.attempts > 0).length;
  expect(
    'summary_counts_mismatch',
    'lines_with_unknown_usage',
    summary.lines_with_unknown_usage,
    unknownLines,
  );

  const withUsage = results.flatMap((r) => (r.usage === null ? [] : [r.usage]));
  expect(
    'summary_usage_mismatch',
    'usage.lines_with_usage',
    summary.usage.lines_with_usage,
    withUsage.length,
  );
  for (const field of USAGE_FIELDS) {
    const sum = withUsage.reduce((total, usage) => total + (usage[field] ?? 0), 0);
    const unknown = withUsage.filter((usage) => usage[field] === null).length;
    expect('summary_usage_mismatch', `usage.${field}`, summary.usage[field], sum);
    expect('summary_usage_mismatch', `usage.unknown.${field}`, summary.usage.unknown[field], unknown);
  }

  for (const field of ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const) {
    const fromLedger = accepted.reduce(
      (total, entry) => total + (reportedUsage(entry.usage)?.[field] ?? 0),
      0,
    );
    if (summary.usage[field] !== fromLedger) {
      violations.push({
        invariant: 'ledger_usage_mismatch',
        message: `summary usage.${field} is ${summary.usage[field]}, the endpoint reported ${fromLedger} for the answers the lines kept`,
      });
    }
  }
  return violations;
}

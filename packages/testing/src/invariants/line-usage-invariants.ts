import type { LedgerEntry } from '@thinkbatch/simulator';
import type { CheckedLine, LedgerIndex, Violation } from './invariant-types';
import { REPORTED_FIELDS, reportedUsage } from './reported-usage';

/** What the per-line usage checks found: violations, and the ledger entries the lines kept. */
export interface LineUsageOutcome {
  readonly violations: readonly Violation[];
  readonly accepted: readonly LedgerEntry[];
}

/**
 * Each succeeded line's answer is traceable (its request_id is in the ledger, a complete answer to its
 * prompt, kept by no other line) and its usage is exactly what that answer reported: every reported
 * count equal, every unreported count null (never 0), an estimate of reasoning tokens only when they
 * were not reported. A line that did not succeed carries no usage.
 */
export function checkLineUsage(lines: readonly CheckedLine[], ledger: LedgerIndex): LineUsageOutcome {
  const violations: Violation[] = [];
  const accepted: LedgerEntry[] = [];
  const keptBy = new Map<string, number>();
  for (const { result, promptKey } of lines) {
    const { line } = result;
    const add = (invariant: Violation['invariant'], message: string): void => {
      violations.push({ invariant, line, message: `line ${line}: ${message}` });
    };
    if (result.status !== 'succeeded') {
      if (result.usage !== null) add('usage_on_unanswered_line', `${result.status} but has usage`);
      continue;
    }
    const requestId = result.request_id;
    const entry = requestId === null ? undefined : ledger.byRequestId.get(requestId);
    if (requestId === null || entry === undefined) {
      add(
        'untraceable_answer',
        `succeeded with request_id ${JSON.stringify(requestId)}, unknown to the ledger`,
      );
      continue;
    }
    const other = keptBy.get(requestId);
    if (other !== undefined) {
      add('request_id_reused', `keeps answer ${requestId}, which line ${other} keeps too`);
      continue;
    }
    keptBy.set(requestId, line);
    accepted.push(entry);
    if (entry.outcome !== 'complete') {
      add(
        'accepted_answer_incomplete',
        `kept answer ${requestId}, which the endpoint ended as ${entry.outcome}`,
      );
    }
    if (promptKey !== null && entry.promptKey !== promptKey) {
      add('answer_of_another_prompt', `kept answer ${requestId}, which answered another prompt`);
    }
    const sent = reportedUsage(entry.usage);
    const usage = result.usage;
    if (sent === null) {
      if (usage !== null)
        add('unknown_usage_as_number', `the endpoint sent no usage, the line has ${JSON.stringify(usage)}`);
      continue;
    }
    if (usage === null) {
      add('usage_mismatch', `the endpoint sent usage ${JSON.stringify(entry.usage)}, the line has none`);
      continue;
    }
    for (const field of REPORTED_FIELDS) {
      const expected = sent[field];
      const actual = usage[field];
      if (expected === null && actual !== null) {
        add('unknown_usage_as_number', `${field} was not reported, the line says ${actual}`);
      } else if (expected !== null && actual !== expected) {
        add('usage_mismatch', `${field} ${String(actual)}, the endpoint reported ${expected}`);
      }
    }
    if (sent.reasoning_tokens !== null && usage.estimated_reasoning_tokens !== null) {
      add('usage_mismatch', 'estimates reasoning tokens although the endpoint reported them');
    }
  }
  return { violations, accepted };
}

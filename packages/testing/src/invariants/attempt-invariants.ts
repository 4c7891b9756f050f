import type { LedgerEntry } from '@thinkbatch/simulator';
import type { CheckedLine, LedgerIndex, Violation } from './invariant-types';

/**
 * What can be checked exactly about calls, per prompt (lines with the same prompt are one group, since
 * the endpoint cannot tell them apart):
 * - calls the endpoint answered other than with 429 ≤ `maxAttempts` × lines (a 429 uses no budget);
 * - calls the endpoint saw ≤ the lines' `attempts` (an attempt is counted before its call, so a call
 *   the pipeline did not count is one it cannot account for; an attempt may reach no endpoint);
 * - for a prompt of one line that succeeded: no call started after the answer it kept had ended
 *   (the line was finished: any later call is paid for nothing). Lines that did not succeed have no
 *   finishing time in the evidence; the second rule bounds their calls.
 */
export function checkAttempts(
  lines: readonly CheckedLine[],
  ledger: LedgerIndex,
  maxAttempts: number,
): Violation[] {
  const violations: Violation[] = [];
  const groups = new Map<string, CheckedLine[]>();
  for (const line of lines) {
    if (line.promptKey === null) continue;
    const group = groups.get(line.promptKey) ?? [];
    group.push(line);
    groups.set(line.promptKey, group);
  }
  for (const [key, group] of groups) {
    const calls = ledger.byPrompt.get(key) ?? [];
    const names = group.map((l) => l.result.line).join(', ');
    const [only] = group;
    const at = group.length === 1 && only !== undefined ? { line: only.result.line } : {};
    const counted = calls.filter((call) => call.outcome !== 'rate_limited').length;
    if (counted > maxAttempts * group.length) {
      violations.push({
        invariant: 'attempts_over_limit',
        ...at,
        message: `line(s) ${names}: ${counted} calls other than 429s, more than ${maxAttempts} per line`,
      });
    }
    const attempts = group.reduce((sum, l) => sum + l.result.attempts, 0);
    if (calls.length > attempts) {
      violations.push({
        invariant: 'calls_exceed_attempts',
        ...at,
        message: `line(s) ${names}: the endpoint saw ${calls.length} calls, the lines count ${attempts} attempts`,
      });
    }
    if (group.length === 1 && only !== undefined) violations.push(...callsAfterFinish(only, calls, ledger));
  }
  return violations;
}

function callsAfterFinish(
  { result }: CheckedLine,
  calls: readonly LedgerEntry[],
  ledger: LedgerIndex,
): Violation[] {
  if (result.status !== 'succeeded' || result.request_id === null) return [];
  const kept = ledger.byRequestId.get(result.request_id);
  if (kept === undefined) return [];
  const late = calls.filter((call) => call.startedAt > kept.endedAt);
  return late.length === 0
    ? []
    : [
        {
          invariant: 'call_after_finish',
          line: result.line,
          message: `line ${result.line}: ${late.length} call(s) after the answer it kept had ended (${late.map((c) => c.outcome).join(', ')})`,
        },
      ];
}

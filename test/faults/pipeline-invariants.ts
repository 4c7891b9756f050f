import { type ResultLine, USAGE_FIELDS } from '@thinkbatch/core';
import { promptKey } from '@thinkbatch/simulator';
import { expect } from 'vitest';
import type { CaseLine, FaultStack } from './pipeline-fault-stack';

/** What a case's run came to, for the case's own expectations. */
export interface CaseOutcome {
  readonly results: readonly ResultLine[];
  /** Endpoint calls per line (the simulator's count for its prompt), in input order. */
  readonly calls: readonly number[];
  /** Complete answers the endpoint sent that no result kept (paid for, then discarded). */
  readonly discardedAnswers: number;
}

/**
 * The invariants every case must keep, checked all at once (every violation is reported):
 * one result line per input line, in input order (lost = duplicated = unexpected = 0); every succeeded
 * line holds its answer; the summary's counts and each token total equal the sum over the lines; no
 * line was called more often than its `attempts` (so no call for a line after it finished); and at most
 * `maxAttempts` attempts per line.
 */
export async function expectCaseInvariants(
  stack: FaultStack,
  jobId: string,
  lines: readonly CaseLine[],
  options: { readonly maxAttempts?: number } = {},
): Promise<CaseOutcome> {
  const results = await stack.results(jobId);
  const summary = await stack.summary(jobId);
  const stats = stack.simulator.stats();
  const violations: string[] = [];

  const expected = lines.map((l) => l.custom_id);
  const got = results.map((r) => r.custom_id);
  const lost = expected.filter((id) => !got.includes(id));
  const duplicated = got.filter((id, i) => got.indexOf(id) !== i);
  const unexpected = got.filter((id) => !expected.includes(id));
  if (lost.length + duplicated.length + unexpected.length > 0)
    violations.push(
      `lost ${lost.join(',')} duplicated ${duplicated.join(',')} unexpected ${unexpected.join(',')}`,
    );
  else if (got.join('\n') !== expected.join('\n')) violations.push('results are not in input order');

  const calls = lines.map((l) => stats.callsByPrompt[promptKey([{ role: 'user', content: l.prompt }])] ?? 0);
  let discardedAnswers = 0;
  for (const [i, line] of lines.entries()) {
    const result = results.find((r) => r.custom_id === line.custom_id);
    if (result === undefined) continue;
    const callsOfLine = calls[i] ?? 0;
    if (result.status === 'succeeded' && !(result.answer ?? '').includes(line.boxed))
      violations.push(`${line.custom_id}: answer ${JSON.stringify(result.answer)} lacks ${line.boxed}`);
    if (callsOfLine > result.attempts)
      violations.push(`${line.custom_id}: ${callsOfLine} endpoint calls but ${result.attempts} attempts`);
    if (options.maxAttempts !== undefined && result.attempts > options.maxAttempts)
      violations.push(`${line.custom_id}: ${result.attempts} attempts > ${options.maxAttempts}`);
    const answered = stats.completedByPrompt[promptKey([{ role: 'user', content: line.prompt }])] ?? 0;
    discardedAnswers += answered - (result.status === 'succeeded' ? 1 : 0);
  }

  if (summary.counts.total !== lines.length) violations.push(`summary total ${summary.counts.total}`);
  const succeeded = results.filter((r) => r.status === 'succeeded').length;
  if (summary.counts.succeeded !== succeeded)
    violations.push(`summary succeeded ${summary.counts.succeeded} ≠ ${succeeded}`);
  if (summary.counts.succeeded + summary.counts.failed !== lines.length)
    violations.push('summary succeeded + failed ≠ lines');
  for (const field of USAGE_FIELDS) {
    const sum = results.reduce((acc, r) => acc + (r.usage?.[field] ?? 0), 0);
    if ((summary.usage[field] ?? 0) !== sum)
      violations.push(`summary usage.${field} ${summary.usage[field]} ≠ Σ lines ${sum}`);
  }
  expect(violations, `invariants of job ${jobId}`).toEqual([]);
  return { results, calls, discardedAnswers };
}

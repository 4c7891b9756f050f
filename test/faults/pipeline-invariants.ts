import type { ResultLine } from '@thinkbatch/core';
import { promptKey } from '@thinkbatch/simulator';
import { assertInvariants, collectJobEvidence, type InvariantReport } from '@thinkbatch/testing';
import { expect } from 'vitest';
import type { CaseLine, FaultStack } from './pipeline-fault-stack';

/** What a case's run came to, for the case's own expectations. */
export interface CaseOutcome {
  readonly results: readonly ResultLine[];
  /** Endpoint calls per line (the simulator's count for its prompt), in input order. */
  readonly calls: readonly number[];
  /** Complete answers the endpoint sent for this job that no result kept (paid for, then discarded). */
  readonly discardedAnswers: number;
  /** The invariant checker's report (clean: a violation fails the case). */
  readonly report: InvariantReport;
}

/**
 * Check a finished job of a fault case: the kit's invariant checker over its results.jsonl, summary.json
 * and the simulator's token ledger (every invariant of `@thinkbatch/testing`'s invariants/README.md:
 * lost = duplicated = unexpected = 0 and in order, usage = the ledger's per line and in total, attempts
 * within `maxAttempts`, calls ≤ attempts, no call after a line finished), then what the checker leaves to
 * the case: each succeeded line holds its own answer.
 */
export async function expectCaseInvariants(
  stack: FaultStack,
  jobId: string,
  input: { readonly lines: readonly CaseLine[]; readonly body: string },
  options: { readonly maxAttempts?: number } = {},
): Promise<CaseOutcome> {
  const { deps } = stack.runtime;
  const evidence = await collectJobEvidence(
    { jobs: deps.jobs, output: deps.output, ledger: () => stack.simulator.ledger() },
    jobId,
    input.body,
  );
  const report = assertInvariants(evidence, {
    maxAttempts: options.maxAttempts ?? deps.config.retry.maxAttempts,
  });
  const results = await stack.results(jobId);
  const stats = stack.simulator.stats();
  const calls = input.lines.map(
    (l) => stats.callsByPrompt[promptKey([{ role: 'user', content: l.prompt }])] ?? 0,
  );
  const wrongAnswers = input.lines.flatMap((line) => {
    const result = results.find((r) => r.custom_id === line.custom_id);
    return result?.status === 'succeeded' && !(result.answer ?? '').includes(line.boxed)
      ? [`${line.custom_id}: answer ${JSON.stringify(result.answer)} lacks ${line.boxed}`]
      : [];
  });
  expect(wrongAnswers, `answers of job ${jobId}`).toEqual([]);
  return { results, calls, discardedAnswers: report.paidButDiscarded.answers, report };
}

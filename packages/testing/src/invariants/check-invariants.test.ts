import type { ResultLine } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { assertInvariants, checkInvariants, formatInvariantReport } from './check-invariants';
import { cleanJob, type EvidenceFixture, ledgerEntry, resultFor, summaryOf } from './evidence-fixture';
import type { InvariantName } from './invariant-types';

const OPTIONS = { maxAttempts: 3 };

const check = (fixture: EvidenceFixture) => checkInvariants(fixture.evidence(), OPTIONS);
const names = (fixture: EvidenceFixture): InvariantName[] =>
  check(fixture).violations.map((v) => v.invariant);
const at = <T>(list: readonly T[], index: number): T => {
  const item = list[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
};
const failed = (result: ResultLine, attempts: number): ResultLine => ({
  ...result,
  status: 'failed',
  reasoning: null,
  answer: null,
  usage: null,
  attempts,
  request_id: null,
  error: { code: 'attempts_exhausted', message: `line ${result.line}: …` },
});

describe('the invariant checker', () => {
  it('finds nothing wrong with a clean job', () => {
    const report = check(cleanJob());
    expect(report.violations).toEqual([]);
    expect(report).toMatchObject({ ok: true, inputLines: 3, resultLines: 3, calls: 3, foreignCalls: 0 });
    expect(report.paidButDiscarded.answers).toBe(0);
    expect(report.accepted).toEqual({
      answers: 3,
      prompt_tokens: 33,
      completion_tokens: 303,
      total_tokens: 336,
    });
  });

  it('numbers lines as the pipeline does: blank lines skipped but counted', () => {
    const job = cleanJob(2);
    job.input = job.input.replace('\n', '\n\n  \n');
    job.results = [at(job.results, 0), { ...at(job.results, 1), line: 4 }];
    expect(names(job)).toEqual([]);
  });

  it('catches a lost line (and the totals that miss its tokens)', () => {
    const job = cleanJob();
    job.results.splice(1, 1);
    job.summary = summaryOf(job.results);
    expect(names(job)).toContain('lost_line');
    expect(check(job).violations.find((v) => v.invariant === 'lost_line')?.line).toBe(2);
  });

  it('counts lost lines without calling them violations for a job that failed as a whole', () => {
    const job = cleanJob();
    job.results.splice(1, 2);
    job.summary = summaryOf(job.results);
    const report = checkInvariants(job.evidence(), { ...OPTIONS, expectEveryLine: false });
    expect(report.violations).toEqual([]);
    expect(report.missingLines).toBe(2);
    expect(check(job).missingLines).toBe(2);
  });

  it('catches a duplicated line', () => {
    const job = cleanJob();
    job.results.splice(2, 0, at(job.results, 1));
    job.summary = summaryOf(job.results);
    expect(names(job)).toContain('duplicated_line');
  });

  it('catches a result for a line not in the input', () => {
    const job = cleanJob();
    job.results.push({ ...at(job.results, 2), line: 9, request_id: null, status: 'failed', usage: null });
    expect(names(job)).toContain('unexpected_line');
  });

  it('catches lines out of order', () => {
    const job = cleanJob();
    job.results.reverse();
    expect(names(job)).toContain('out_of_order');
  });

  it('catches a custom_id that is not the input line’s', () => {
    const job = cleanJob();
    job.results[0] = { ...at(job.results, 0), custom_id: 'someone-else' };
    expect(names(job)).toEqual(['custom_id_mismatch']);
  });

  it('catches a result line that is not a ResultLine', () => {
    const job = cleanJob();
    const evidence = job.evidence();
    const report = checkInvariants({ ...evidence, results: `${evidence.results}{"nope":1}\n` }, OPTIONS);
    expect(report.violations.map((v) => v.invariant)).toContain('malformed_result');
  });

  it('catches a succeeded line whose request id the endpoint never sent', () => {
    const job = cleanJob();
    job.results[1] = { ...at(job.results, 1), request_id: 'req-made-up' };
    expect(names(job)).toContain('untraceable_answer');
    job.results[1] = { ...at(job.results, 1), request_id: null };
    expect(names(job)).toContain('untraceable_answer');
  });

  it('catches a line that kept a truncated answer', () => {
    const job = cleanJob();
    job.ledger[0] = ledgerEntry(0, { outcome: 'truncated', usage: null });
    job.results[0] = resultFor(0, at(job.ledger, 0));
    job.summary = summaryOf(job.results);
    expect(names(job)).toContain('accepted_answer_incomplete');
  });

  it('catches a line that kept the answer to another prompt', () => {
    const job = cleanJob();
    job.ledger[0] = ledgerEntry(0, { promptKey: at(job.ledger, 1).promptKey });
    expect(names(job)).toContain('answer_of_another_prompt');
  });

  it('catches two lines keeping one answer (its tokens counted twice)', () => {
    const job = cleanJob();
    job.results[1] = { ...resultFor(1, at(job.ledger, 0)), custom_id: 'q1', line: 2 };
    job.summary = summaryOf(job.results);
    expect(names(job)).toContain('request_id_reused');
  });

  it('catches usage that differs from what the endpoint reported', () => {
    const job = cleanJob();
    const usage = at(job.results, 2).usage;
    if (usage === null) throw new Error('fixture has usage');
    job.results[2] = { ...at(job.results, 2), usage: { ...usage, completion_tokens: 999 } };
    job.summary = summaryOf(job.results);
    const report = check(job);
    expect(report.violations.map((v) => v.invariant)).toEqual(['usage_mismatch', 'ledger_usage_mismatch']);
    expect(report.violations[0]?.message).toContain('completion_tokens 999, the endpoint reported 102');
  });

  it('catches unknown usage written as 0 — the whole object, or one field', () => {
    const job = cleanJob();
    job.ledger[0] = ledgerEntry(0, { usage: null });
    job.ledger[1] = ledgerEntry(1, {
      usage: { prompt_tokens: 11, completion_tokens: 101, total_tokens: 112 },
    });
    const zeros = {
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      reasoning_tokens: 0,
      cached_prompt_tokens: 0,
      estimated_reasoning_tokens: 0,
    };
    job.results[0] = { ...resultFor(0, at(job.ledger, 0)), usage: zeros };
    const second = resultFor(1, at(job.ledger, 1));
    job.results[1] = { ...second, usage: second.usage && { ...second.usage, reasoning_tokens: 0 } };
    job.summary = summaryOf(job.results);
    const found = check(job).violations.filter((v) => v.invariant === 'unknown_usage_as_number');
    expect(found.map((v) => v.line)).toEqual([1, 2]);
  });

  it('accepts unknown usage left null', () => {
    const job = cleanJob();
    job.ledger[0] = ledgerEntry(0, { usage: null });
    job.results[0] = resultFor(0, at(job.ledger, 0));
    job.summary = summaryOf(job.results);
    expect(names(job)).toEqual([]);
  });

  it('catches usage on a line that did not succeed', () => {
    const job = cleanJob();
    job.ledger.splice(0, 1, ledgerEntry(0, { outcome: 'http_error', status: 500, usage: null }));
    job.results[0] = { ...failed(at(job.results, 0), 1), usage: at(job.results, 1).usage };
    job.summary = summaryOf(job.results);
    // Its tokens are in the job's totals too, though no kept answer reported them.
    expect(new Set(names(job))).toEqual(new Set(['usage_on_unanswered_line', 'ledger_usage_mismatch']));
  });

  it('catches summary totals and counts that disagree with the lines', () => {
    const job = cleanJob();
    const summary = summaryOf(job.results) as {
      usage: { total_tokens: number };
      counts: { succeeded: number };
      attempts: number;
    };
    summary.usage.total_tokens += 1;
    summary.counts.succeeded -= 1;
    summary.attempts += 5;
    job.summary = summary;
    const found = names(job);
    expect(found).toContain('summary_usage_mismatch');
    expect(found.filter((n) => n === 'summary_counts_mismatch')).toHaveLength(2);
    expect(found).toContain('ledger_usage_mismatch');
  });

  it('catches a summary.json that is not a summary at all', () => {
    const job = cleanJob();
    job.summary = { hello: 'world' };
    expect(names(job)).toEqual(['summary_counts_mismatch']);
  });

  it('catches more non-429 calls for a line than maxAttempts, but not 429s', () => {
    const job = cleanJob();
    const errors = [0, 1, 2].map((k) =>
      ledgerEntry(0, {
        requestId: `e${k}`,
        outcome: 'http_error',
        status: 503,
        usage: null,
        startedAt: k,
        endedAt: k,
      }),
    );
    job.ledger.push(...errors);
    job.results[0] = { ...at(job.results, 0), attempts: 4 };
    job.summary = summaryOf(job.results);
    expect(names(job)).toEqual(['attempts_over_limit']);

    const limited = cleanJob();
    limited.ledger.push(
      ...[0, 1, 2, 3, 4].map((k) =>
        ledgerEntry(0, {
          requestId: `r${k}`,
          outcome: 'rate_limited',
          status: 429,
          usage: null,
          startedAt: k,
          endedAt: k,
        }),
      ),
    );
    limited.results[0] = { ...at(limited.results, 0), attempts: 6 };
    limited.summary = summaryOf(limited.results);
    expect(names(limited)).toEqual([]);
  });

  it('catches a call the line’s attempts do not count', () => {
    const job = cleanJob();
    job.ledger.push(
      ledgerEntry(1, {
        requestId: 'early',
        outcome: 'reset',
        status: null,
        usage: null,
        startedAt: 0,
        endedAt: 1,
      }),
    );
    expect(names(job)).toEqual(['calls_exceed_attempts']);
  });

  it('catches a call for a line after the answer it kept had ended, and counts a paid answer nobody kept', () => {
    const job = cleanJob();
    const kept = at(job.ledger, 1);
    job.ledger.push(
      ledgerEntry(1, { requestId: 'late', startedAt: kept.endedAt + 10, endedAt: kept.endedAt + 60 }),
    );
    job.results[1] = { ...at(job.results, 1), attempts: 2 };
    job.summary = summaryOf(job.results);
    const report = check(job);
    expect(report.violations.map((v) => v.invariant)).toEqual(['call_after_finish']);
    expect(report.paidButDiscarded).toEqual({
      answers: 1,
      prompt_tokens: 11,
      completion_tokens: 101,
      total_tokens: 112,
    });
  });

  it('reports a paid but discarded answer before the kept one as a number, not a violation', () => {
    const job = cleanJob();
    job.ledger.push(ledgerEntry(2, { requestId: 'crashed-after-call', startedAt: 0, endedAt: 5 }));
    job.results[2] = { ...at(job.results, 2), attempts: 2 };
    job.summary = summaryOf(job.results);
    const report = check(job);
    expect(report.ok).toBe(true);
    expect(report.paidButDiscarded.answers).toBe(1);
  });

  it('counts calls of other jobs on the same simulator as foreign, not as violations', () => {
    const job = cleanJob();
    job.ledger.push({ ...ledgerEntry(0), promptKey: 'someone-elses-prompt', requestId: 'x' });
    const report = check(job);
    expect(report.ok).toBe(true);
    expect(report.foreignCalls).toBe(1);
  });

  it('flags a ledger that dropped entries', () => {
    const job = cleanJob();
    const evidence = job.evidence();
    const report = checkInvariants({ ...evidence, ledger: { ...evidence.ledger, dropped: 4 } }, OPTIONS);
    expect(report.violations.map((v) => v.invariant)).toEqual(['ledger_incomplete']);
  });

  it('reports every violation at once, and assertInvariants lists them all in its error', () => {
    const job = cleanJob();
    job.results.splice(0, 1);
    job.results[0] = { ...at(job.results, 0), custom_id: 'wrong' };
    job.ledger.push(
      ledgerEntry(2, { requestId: 'extra', outcome: 'reset', usage: null, startedAt: 0, endedAt: 0 }),
    );
    const report = check(job);
    expect(new Set(report.violations.map((v) => v.invariant))).toEqual(
      new Set(['lost_line', 'custom_id_mismatch', 'calls_exceed_attempts']),
    );
    expect(() => assertInvariants(job.evidence(), OPTIONS)).toThrow(formatInvariantReport(report));
    expect(formatInvariantReport(report).split('\n')).toHaveLength(report.violations.length + 2);
  });
});

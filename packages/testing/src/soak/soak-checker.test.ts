import type { JobRecord } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { cleanJob, type EvidenceFixture, ledgerEntry } from '../invariants/evidence-fixture';
import { checkSoak, type SoakJobOutcome, type SoakRunEvidence } from './soak-checker';
import { generateSoakScenario } from './soak-scenario';

const scenario = generateSoakScenario({ seed: 1, lines: 3, jobs: 1 });
const plan = { ...(scenario.jobs[0] as SoakScenario['jobs'][number]), maxAttempts: 3 };
type SoakScenario = typeof scenario;

/** A job record with only what the checker reads (the rest of the record plays no part). */
const record = (status: JobRecord['status'], finishedAt: number | null = 10_000): JobRecord =>
  ({ status, finishedAt, chunksDone: 1, chunksTotal: 1 }) as JobRecord;

function run(fixture: EvidenceFixture, overrides: Partial<SoakJobOutcome> = {}): SoakRunEvidence {
  const evidence = fixture.evidence();
  return {
    scenario,
    jobs: [{ plan, jobId: 'job', job: record('completed'), evidence, afterLateEvent: null, ...overrides }],
    ledger: evidence.ledger,
  };
}
const checks = (evidence: SoakRunEvidence): string[] => checkSoak(evidence).violations.map((v) => v.check);

describe('the soak checker', () => {
  it('passes a clean run', () => {
    const report = checkSoak(run(cleanJob()));
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.jobs[0]?.invariants?.resultLines).toBe(3);
  });

  it('reports a job that never ended, ended otherwise than completed, or never existed', () => {
    expect(checks(run(cleanJob(), { job: record('running', null), evidence: null }))).toEqual([
      'job_not_terminal',
    ]);
    expect(checks(run(cleanJob(), { job: record('failed') }))).toEqual(['job_not_completed']);
    expect(checks(run(cleanJob(), { job: null, evidence: null }))).toEqual(['job_missing']);
  });

  it('carries every invariant violation of the job, named and with its job', () => {
    const fixture = cleanJob();
    fixture.results.splice(1, 1);
    const report = checkSoak(run(fixture));
    expect(report.violations).toContainEqual(
      expect.objectContaining({ check: 'invariant:lost_line', job: 0 }),
    );
  });

  it("holds each line's attempts to maxAttempts plus the 429s its prompt got", () => {
    const fixture = cleanJob();
    const first = fixture.results[0];
    if (first === undefined) throw new Error('no result');
    fixture.results[0] = { ...first, attempts: 5 };
    expect(checks(run(fixture))).toContain('line_attempts_over_limit');
    // Two 429s for that prompt: 3 + 2 attempts are within the limit.
    fixture.ledger.push(
      ledgerEntry(0, {
        requestId: 'r429a',
        outcome: 'rate_limited',
        status: 429,
        usage: null,
        startedAt: 900,
        endedAt: 901,
      }),
      ledgerEntry(0, {
        requestId: 'r429b',
        outcome: 'rate_limited',
        status: 429,
        usage: null,
        startedAt: 902,
        endedAt: 903,
      }),
    );
    expect(checks(run(fixture))).not.toContain('line_attempts_over_limit');
  });

  it("reports a call for a job's prompt after the job ended", () => {
    const fixture = cleanJob();
    fixture.ledger.push(
      ledgerEntry(2, {
        requestId: 'late',
        outcome: 'http_error',
        status: 503,
        usage: null,
        startedAt: 10_001,
        endedAt: 10_002,
      }),
    );
    expect(checks(run(fixture))).toContain('call_after_job_end');
  });

  it('reports a call for a prompt of no job', () => {
    const fixture = cleanJob();
    fixture.ledger.push(ledgerEntry(99, { requestId: 'stray' }));
    expect(checks(run(fixture))).toEqual(['unexpected_call']);
  });

  it('reports a late S3 event that changed a finished job', () => {
    const fixture = cleanJob();
    const evidence = fixture.evidence();
    const same = { status: 'completed', results: evidence.results, summary: evidence.summary };
    expect(checks(run(fixture, { afterLateEvent: same }))).toEqual([]);
    expect(checks(run(fixture, { afterLateEvent: { ...same, status: 'running' } }))).toEqual([
      'late_event_changed_job',
    ]);
    expect(checks(run(fixture, { afterLateEvent: { ...same, results: '' } }))).toEqual([
      'late_event_changed_job',
    ]);
  });
});

import { isTerminalJobStatus, type JobRecord, ResultLine } from '@thinkbatch/core';
import type { LedgerSnapshot } from '@thinkbatch/simulator';
import { checkInvariants } from '../invariants/check-invariants';
import { readInputLines } from '../invariants/input-lines';
import type { InvariantReport, JobEvidence } from '../invariants/invariant-types';
import type { SoakJobPlan, SoakScenario } from './soak-scenario-types';

/** What one job of a soak left behind. */
export interface SoakJobOutcome {
  readonly plan: SoakJobPlan;
  readonly jobId: string;
  /** The job's record when the wait ended (null: it was never created). */
  readonly job: JobRecord | null;
  /** Its outputs beside the ledger, when it reached a terminal status with outputs. */
  readonly evidence: JobEvidence | null;
  /** The job's status and outputs read again after its upload's late event (null: no late event). */
  readonly afterLateEvent: {
    readonly status: string;
    readonly results: string;
    readonly summary: unknown;
  } | null;
}

/** Everything a soak run left: each job, and the endpoint's ledger of every call of the run. */
export interface SoakRunEvidence {
  readonly scenario: SoakScenario;
  readonly jobs: readonly SoakJobOutcome[];
  readonly ledger: LedgerSnapshot;
}

/** The queue-level checks, on top of every invariant of `checkInvariants` (named `invariant:<name>`). */
export const SOAK_CHECKS = [
  /** The job was never created (its upload's events were all lost). */
  'job_missing',
  /** The job did not reach a terminal status in time. */
  'job_not_terminal',
  /** The job ended otherwise than `completed` (every soak fault is survivable). */
  'job_not_completed',
  /** A result line has more attempts than the job's `maxAttempts`. */
  'line_attempts_over_limit',
  /** The endpoint saw a call for one of the job's prompts that started after the job had ended. */
  'call_after_job_end',
  /** The endpoint saw a call for a prompt of no job of the run. */
  'unexpected_call',
  /** The late S3 event changed a finished job (its status or its outputs). */
  'late_event_changed_job',
] as const;
export type SoakCheck = (typeof SOAK_CHECKS)[number] | `invariant:${string}`;

export interface SoakViolation {
  readonly check: SoakCheck;
  /** Index of the job it concerns, when it concerns one. */
  readonly job?: number;
  readonly message: string;
}

export interface SoakCheckReport {
  readonly ok: boolean;
  readonly violations: readonly SoakViolation[];
  /** Each job's invariant report (null when it left no outputs to check). */
  readonly jobs: readonly {
    readonly jobId: string;
    readonly status: string | null;
    readonly invariants: InvariantReport | null;
  }[];
}

/** The valid result lines (a malformed one is `checkInvariants`' `malformed_result`). */
function parsedResults(text: string): ResultLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        const parsed = ResultLine.safeParse(JSON.parse(l));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
}

function checkJob(
  outcome: SoakJobOutcome,
  ledger: LedgerSnapshot,
): { violations: SoakViolation[]; invariants: InvariantReport | null } {
  const job = outcome.plan.index;
  const violations: SoakViolation[] = [];
  const v = (check: SoakCheck, message: string): void => void violations.push({ check, job, message });
  if (outcome.job === null) {
    v('job_missing', `job ${outcome.jobId} was never created`);
    return { violations, invariants: null };
  }
  const { status, finishedAt } = outcome.job;
  if (!isTerminalJobStatus(status))
    v(
      'job_not_terminal',
      `job ${outcome.jobId} still ${status}, ${outcome.job.chunksDone} of ${outcome.job.chunksTotal ?? '?'} chunks done`,
    );
  else if (status !== 'completed') v('job_not_completed', `job ${outcome.jobId} ended ${status}`);
  if (outcome.evidence === null) return { violations, invariants: null };

  const invariants = checkInvariants(outcome.evidence, { maxAttempts: outcome.plan.maxAttempts });
  for (const found of invariants.violations)
    v(
      `invariant:${found.invariant}`,
      found.line === undefined ? found.message : `line ${found.line}: ${found.message}`,
    );
  // `attempts` counts every call; a 429 uses none of the budget, so each one the line's prompt got allows one more.
  const inputs = readInputLines(outcome.evidence.input);
  const promptOf = new Map(inputs.map((l) => [l.line, l.promptKey]));
  const refused = new Map<string, number>();
  for (const entry of ledger.entries)
    if (entry.outcome === 'rate_limited')
      refused.set(entry.promptKey, (refused.get(entry.promptKey) ?? 0) + 1);
  for (const result of parsedResults(outcome.evidence.results)) {
    const limit = outcome.plan.maxAttempts + (refused.get(promptOf.get(result.line) ?? '') ?? 0);
    if (result.attempts > limit)
      v(
        'line_attempts_over_limit',
        `line ${result.line}: ${result.attempts} attempts > ${limit} (maxAttempts + its 429s)`,
      );
  }

  if (finishedAt !== null) {
    const keys = new Set(inputs.map((l) => l.promptKey));
    const late = ledger.entries.filter((e) => keys.has(e.promptKey) && e.startedAt > finishedAt);
    if (late.length > 0)
      v(
        'call_after_job_end',
        `${late.length} call(s) started after the job ended (first ${late[0]?.requestId})`,
      );
  }
  const after = outcome.afterLateEvent;
  if (after !== null) {
    const same =
      after.status === status &&
      after.results === outcome.evidence.results &&
      JSON.stringify(after.summary) === JSON.stringify(outcome.evidence.summary);
    if (!same)
      v(
        'late_event_changed_job',
        `after the late event: ${after.status}, outputs ${same ? 'same' : 'changed'}`,
      );
  }
  return { violations, invariants };
}

/**
 * Check a whole soak run the way Jepsen's queue checker checks a history: every job ends, every line of
 * every job ends exactly once (lost = duplicated = unexpected = 0, via `checkInvariants`), tokens
 * reconcile with the endpoint's ledger, attempts stay within limits, no call for a finished line or
 * ended job, and no call the run cannot account for. Every violation is reported, not the first.
 */
export function checkSoak(run: SoakRunEvidence): SoakCheckReport {
  const violations: SoakViolation[] = [];
  const jobs = run.jobs.map((outcome) => {
    const checked = checkJob(outcome, run.ledger);
    violations.push(...checked.violations);
    return { jobId: outcome.jobId, status: outcome.job?.status ?? null, invariants: checked.invariants };
  });
  const known = new Set(
    run.jobs.flatMap((o) =>
      o.evidence === null ? [] : readInputLines(o.evidence.input).map((l) => l.promptKey),
    ),
  );
  if (run.jobs.every((o) => o.evidence !== null)) {
    const strays = run.ledger.entries.filter((e) => !known.has(e.promptKey));
    if (strays.length > 0)
      violations.push({
        check: 'unexpected_call',
        message: `${strays.length} call(s) for prompts of no job (first ${strays[0]?.requestId})`,
      });
  }
  return { ok: violations.length === 0, violations, jobs };
}

import type { ResultLine } from '@thinkbatch/core';
import type { LedgerEntry, LedgerSnapshot } from '@thinkbatch/simulator';

/**
 * What a finished job left behind, and what the endpoint saw: everything the invariant checker reads.
 * Gather it with `collectJobEvidence` or build it by hand (the checker's own tests do).
 */
export interface JobEvidence {
  /** The input file as uploaded, as text. */
  readonly input: string;
  /** `results.jsonl` as text (one JSON object per line; each is validated against `ResultLine`). */
  readonly results: string;
  /** `summary.json`, parsed. */
  readonly summary: unknown;
  /** The simulator's token ledger (`simulator.ledger()`). */
  readonly ledger: LedgerSnapshot;
}

/** How the job was run: what the checker needs to know beyond the evidence. */
export interface InvariantOptions {
  /** The job's `maxAttempts`: endpoint calls allowed per line, not counting those answered 429. */
  readonly maxAttempts: number;
  /**
   * The simulator's prompt key of an input line (`promptKey` of the messages the pipeline sends), or
   * null for a line that sends nothing (invalid). @default the core's `normalizeInputLine` with the
   * default job settings, then the simulator's `promptKey`
   */
  readonly promptKeyOf?: (text: string, line: number) => string | null;
  /**
   * Every non-blank input line must have a result. False for a job that failed as a whole: its outputs
   * hold only the lines recorded before it failed, so a missing line is counted (`missingLines`), not a
   * violation; every other invariant still holds. @default true
   */
  readonly expectEveryLine?: boolean;
}

/** Every invariant the checker knows, by name. */
export const INVARIANTS = [
  /** A line of results.jsonl is not a valid `ResultLine`. */
  'malformed_result',
  /** A non-blank input line has no result line. */
  'lost_line',
  /** A line number has more than one result line. */
  'duplicated_line',
  /** A result line names a line that is blank or not in the input. */
  'unexpected_line',
  /** Result lines are not in input order. */
  'out_of_order',
  /** A result's custom_id is not the one its input line gave. */
  'custom_id_mismatch',
  /** A succeeded line's request_id is null or unknown to the ledger: its tokens cannot be traced. */
  'untraceable_answer',
  /** The ledger entry a succeeded line kept is not a complete answer (truncated, reset, an error…). */
  'accepted_answer_incomplete',
  /** The ledger entry a succeeded line kept answered another prompt. */
  'answer_of_another_prompt',
  /** Two result lines keep the same request id: one answer's tokens counted twice. */
  'request_id_reused',
  /** A line's usage differs from the usage the endpoint sent for its accepted answer. */
  'usage_mismatch',
  /** A count the endpoint did not report is written as a number (unknown must stay null, never 0). */
  'unknown_usage_as_number',
  /** A line that did not succeed carries usage. */
  'usage_on_unanswered_line',
  /** summary.json's token totals differ from the sum over the result lines. */
  'summary_usage_mismatch',
  /** summary.json's counts (lines by status, attempts, lines with unknown usage) differ from the lines. */
  'summary_counts_mismatch',
  /** The sum of the ledger's usage over the accepted answers differs from the job's totals. */
  'ledger_usage_mismatch',
  /** A line's prompt got more non-429 calls than `maxAttempts` allows (per line with that prompt). */
  'attempts_over_limit',
  /** The endpoint saw more calls for a prompt than its lines' `attempts` count: a call nobody counted. */
  'calls_exceed_attempts',
  /** A call for a (unique) prompt started after the answer its line kept had ended: paid for a finished line. */
  'call_after_finish',
  /** The ledger dropped entries: the other checks cannot be trusted. */
  'ledger_incomplete',
] as const;
export type InvariantName = (typeof INVARIANTS)[number];

/** One broken invariant. */
export interface Violation {
  readonly invariant: InvariantName;
  /** The input line (1-based) it concerns, when it concerns one. */
  readonly line?: number;
  readonly message: string;
}

/** Tokens of answers, summed over the fields every endpoint reports. */
export interface TokenSums {
  readonly answers: number;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

/** What the checker found: every violation at once, and the facts that are no violation. */
export interface InvariantReport {
  readonly ok: boolean;
  readonly violations: readonly Violation[];
  /** Complete answers (with their usage) that the endpoint sent for this job and no result line kept. */
  readonly paidButDiscarded: TokenSums;
  /** Answers the result lines kept, summed from the ledger. */
  readonly accepted: TokenSums;
  /** Non-blank input lines, result lines, and the ledger's calls for this job's prompts. */
  readonly inputLines: number;
  readonly resultLines: number;
  /** Input lines without a result (each also a `lost_line` violation unless `expectEveryLine` is false). */
  readonly missingLines: number;
  readonly calls: number;
  /** Ledger entries for prompts not in this input (another job on the same simulator): ignored. */
  readonly foreignCalls: number;
}

/** A parsed result line beside the input line it answers. */
export interface CheckedLine {
  readonly result: ResultLine;
  /** The input line's prompt key, or null when it sends nothing. */
  readonly promptKey: string | null;
}

/** The ledger entries of this job's prompts, indexed. */
export interface LedgerIndex {
  readonly byRequestId: ReadonlyMap<string, LedgerEntry>;
  readonly byPrompt: ReadonlyMap<string, readonly LedgerEntry[]>;
}

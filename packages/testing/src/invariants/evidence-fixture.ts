import { createSummaryBuilder, type ResultLine } from '@thinkbatch/core';
import { type LedgerEntry, promptKey } from '@thinkbatch/simulator';
import type { JobEvidence } from './invariant-types';

/** A hand-built job: its input, ledger, results and summary, each editable before `evidence()`. */
export interface EvidenceFixture {
  input: string;
  ledger: LedgerEntry[];
  results: ResultLine[];
  /** Rebuilt from `results` by `evidence()` unless set. */
  summary: unknown;
  evidence(): JobEvidence;
}

const prompt = (i: number): string => `question ${i}`;

/** A ledger entry for line `i`'s prompt; complete with usage unless overridden. */
export function ledgerEntry(i: number, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    seq: 0,
    requestId: `req-${i}`,
    completionId: `chatcmpl-${i}`,
    promptKey: promptKey([{ role: 'user', content: prompt(i) }]),
    customIdHint: null,
    outcome: 'complete',
    status: 200,
    fault: null,
    usage: {
      prompt_tokens: 10 + i,
      completion_tokens: 100 + i,
      total_tokens: 110 + 2 * i,
      completion_tokens_details: { reasoning_tokens: 80 + i },
    },
    startedAt: 1_000 + 100 * i,
    endedAt: 1_050 + 100 * i,
    ...overrides,
  };
}

/** A succeeded result line for line `i` that kept `entry` (its usage as the pipeline writes it). */
export function resultFor(i: number, entry: LedgerEntry, overrides: Partial<ResultLine> = {}): ResultLine {
  const usage = entry.usage;
  return {
    custom_id: `q${i}`,
    line: i + 1,
    status: 'succeeded',
    reasoning: 'thinking',
    answer: 'answer',
    finish_reason: 'stop',
    usage:
      usage === null
        ? null
        : {
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            total_tokens: usage.total_tokens,
            reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? null,
            cached_prompt_tokens: null,
            estimated_reasoning_tokens: null,
          },
    attempts: 1,
    latency_ms: 50,
    model: 'deepseek-ai/deepseek-r1',
    request_id: entry.requestId,
    error: null,
    ...overrides,
  };
}

/** The summary the pipeline would write for `results`. */
export function summaryOf(results: readonly ResultLine[]): unknown {
  const builder = createSummaryBuilder();
  for (const result of results) builder.add(result);
  return builder.build({ jobId: 'job', status: 'completed', startedAt: 0, finishedAt: 1 });
}

/** `lines` lines (`{"custom_id":"q<i>","prompt":"question <i>"}`), each answered once, cleanly. */
export function cleanJob(lines = 3): EvidenceFixture {
  const indexes = Array.from({ length: lines }, (_, i) => i);
  const ledger = indexes.map((i) => ledgerEntry(i, { seq: i }));
  const fixture: EvidenceFixture = {
    input: `${indexes.map((i) => JSON.stringify({ custom_id: `q${i}`, prompt: prompt(i) })).join('\n')}\n`,
    ledger,
    results: indexes.map((i) => resultFor(i, ledger[i] as LedgerEntry)),
    summary: undefined,
    evidence: () => ({
      input: fixture.input,
      results:
        fixture.results.map((r) => JSON.stringify(r)).join('\n') + (fixture.results.length ? '\n' : ''),
      summary: fixture.summary === undefined ? summaryOf(fixture.results) : fixture.summary,
      ledger: { entries: fixture.ledger, dropped: 0 },
    }),
  };
  return fixture;
}

import { ResultLine } from '@thinkbatch/core';
import type { InputLine } from './input-lines';
import type { Violation } from './invariant-types';

/** The result lines that parsed, each with its input line when there is one. */
export interface CoverageOutcome {
  readonly parsed: readonly { readonly result: ResultLine; readonly input: InputLine | undefined }[];
  readonly violations: readonly Violation[];
}

/**
 * Exactly one result line per non-blank input line, in input order, each with the input's custom_id
 * (when the input line gave one): reports every lost, duplicated, unexpected, out-of-order or
 * mismatched line, and every line of results.jsonl that is not a `ResultLine`.
 */
export function checkLineCoverage(inputLines: readonly InputLine[], resultsText: string): CoverageOutcome {
  const violations: Violation[] = [];
  const byLine = new Map(inputLines.map((input) => [input.line, input]));
  const parsed: { result: ResultLine; input: InputLine | undefined }[] = [];
  const rows = resultsText === '' ? [] : resultsText.replace(/\n$/, '').split('\n');
  for (const [index, row] of rows.entries()) {
    let result: ResultLine;
    try {
      result = ResultLine.parse(JSON.parse(row));
    } catch (error) {
      const why = error instanceof Error ? error.message.slice(0, 200) : String(error);
      violations.push({ invariant: 'malformed_result', message: `results.jsonl line ${index + 1}: ${why}` });
      continue;
    }
    parsed.push({ result, input: byLine.get(result.line) });
  }

  const seen = new Map<number, number>();
  let previous = 0;
  for (const { result, input } of parsed) {
    const { line } = result;
    const count = (seen.get(line) ?? 0) + 1;
    seen.set(line, count);
    if (input === undefined) {
      violations.push({
        invariant: 'unexpected_line',
        line,
        message: `result for line ${line}, which is blank or not in the input`,
      });
      continue;
    }
    if (count === 2) {
      violations.push({
        invariant: 'duplicated_line',
        line,
        message: `line ${line} has more than one result`,
      });
    }
    if (count === 1 && line < previous) {
      violations.push({
        invariant: 'out_of_order',
        line,
        message: `line ${line} comes after line ${previous}`,
      });
    }
    previous = Math.max(previous, line);
    if (input.customId !== null && result.custom_id !== input.customId) {
      violations.push({
        invariant: 'custom_id_mismatch',
        line,
        message: `line ${line}: custom_id ${JSON.stringify(result.custom_id)}, input says ${JSON.stringify(input.customId)}`,
      });
    }
  }
  for (const input of inputLines) {
    if (!seen.has(input.line)) {
      violations.push({
        invariant: 'lost_line',
        line: input.line,
        message: `line ${input.line} has no result`,
      });
    }
  }
  return { parsed, violations };
}

import { stringify } from 'csv-stringify/sync';
import type { RowLabel } from './labelling-run-records';

/** The columns labelling adds to every row. */
export const LABEL_COLUMNS = ['label', 'agreement', 'reasoning', 'answers', 'label_error'] as const;

/** One row of the labelled file: the dataset row (or the unreadable line), then its label columns. */
export interface LabelledRow {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly result: RowLabel;
}

function labelColumns(result: RowLabel): Record<string, unknown> {
  return {
    label: result.label,
    agreement: result.agreement,
    reasoning: result.reasoning,
    answers: result.answers,
    label_error: result.label_error,
  };
}

/** `labelled.jsonl`: each row's fields, then `label`, `agreement`, `reasoning`, `answers`, `label_error`. */
export function labelledJsonl(rows: readonly LabelledRow[]): string {
  return rows.map((row) => `${JSON.stringify({ ...row.fields, ...labelColumns(row.result) })}\n`).join('');
}

/**
 * `labelled.csv`: the dataset's columns (in first-seen order), then the label columns; a structured label
 * and the answers as JSON text.
 */
export function labelledCsv(rows: readonly LabelledRow[]): string {
  const columns: string[] = [];
  for (const row of rows)
    for (const key of Object.keys(row.fields))
      if (!columns.includes(key) && !(LABEL_COLUMNS as readonly string[]).includes(key)) columns.push(key);
  columns.push(...LABEL_COLUMNS);
  const cell = (value: unknown): string =>
    value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  const records = rows.map((row) => {
    const all: Record<string, unknown> = { ...row.fields, ...labelColumns(row.result) };
    return columns.map((column) => cell(all[column]));
  });
  return stringify(records, { header: true, columns });
}

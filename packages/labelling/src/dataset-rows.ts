import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import { canonicalJson } from './label-space';

/** One row of a dataset file, with the hash of its content (what the label cache is keyed by). */
export type DatasetRow =
  | { readonly kind: 'row'; readonly fields: Record<string, unknown>; readonly hash: string }
  /** A line that is no row (broken JSON, not an object): reported in the labelled file, never sent. */
  | { readonly kind: 'unreadable'; readonly text: string; readonly reason: string };

/** SHA-256 of a row's canonical JSON (keys sorted): the same row has the same hash in any file. */
export function rowHash(fields: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}

/** Most rows read from one dataset file. */
export const MAX_ROWS_PER_FILE = 100_000;

/** Rows of a dataset file: JSONL (one object per non-blank line) or CSV with a header row. */
export function readDatasetRows(body: Uint8Array, format: 'jsonl' | 'csv'): DatasetRow[] {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  return format === 'csv' ? readCsv(text) : readJsonl(text);
}

function readJsonl(text: string): DatasetRow[] {
  const rows: DatasetRow[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    if (rows.length >= MAX_ROWS_PER_FILE) {
      rows.push(tooManyRows());
      break;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      rows.push({ kind: 'unreadable', text: line, reason: 'not valid JSON' });
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      rows.push({ kind: 'unreadable', text: line, reason: 'not a JSON object' });
      continue;
    }
    const fields = value as Record<string, unknown>;
    rows.push({ kind: 'row', fields, hash: rowHash(fields) });
  }
  return rows;
}

function readCsv(text: string): DatasetRow[] {
  const records = parseCsv(text, {
    columns: true,
    bom: true,
    skip_empty_lines: true,
    relax_column_count: false,
    to: MAX_ROWS_PER_FILE + 1,
  }) as Record<string, string>[];
  const rows: DatasetRow[] = records
    .slice(0, MAX_ROWS_PER_FILE)
    .map((fields) => ({ kind: 'row', fields, hash: rowHash(fields) }));
  if (records.length > MAX_ROWS_PER_FILE) rows.push(tooManyRows());
  return rows;
}

/** Said in place of the rows past the limit: they are reported, never dropped silently. */
function tooManyRows(): DatasetRow {
  return {
    kind: 'unreadable',
    text: '',
    reason: `the file has more than ${MAX_ROWS_PER_FILE} rows: the rest is not labelled (split the file)`,
  };
}

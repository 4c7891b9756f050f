import { parse } from '../errors/parse';
import { readJsonlLines } from '../jsonl/jsonl-reader';
import { ResultLine } from '../results/result-line';
import { checkStoredResultLine } from '../results/stored-result-line';
import { PipelineError } from './pipeline-error';
import type { StoredResultLine } from './read-job-results';

/** The result lines of one file, in order, and the file's bytes when they are exactly those lines. */
export interface ResultBatch {
  readonly lines: readonly StoredResultLine[];
  /**
   * The lines, each followed by `\n`, as UTF-8 — the file as read, when it is that plain (no blank line,
   * no `\r`, no BOM, a last `\n`): copied into an output as is. Null otherwise (written line by line).
   */
  readonly bytes: Uint8Array | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A line the job wrote itself: parsed, checked cheaply, by the schema when the cheap check cannot vouch. */
export function parseStoredResult(text: string, what: string): ResultLine {
  const value: unknown = JSON.parse(text);
  return checkStoredResultLine(value) ?? parse(ResultLine, value, what, PipelineError);
}

/**
 * Read a result file (a chunk file the job wrote): decoded once, split at `\n`, each line parsed and
 * checked. A file that is not plain (see `ResultBatch.bytes`) or whose lines do not all parse is read
 * again line by line as the JSONL reader reads it (blank lines skipped, `\r\n` taken), which also words
 * the error of a line that is not a ResultLine: the same lines and errors either way.
 */
export async function readResultBatch(body: Uint8Array, jobId: string, key: string): Promise<ResultBatch> {
  return readPlainBatch(body) ?? { lines: await readLineByLine(body, jobId, key), bytes: null };
}

function readPlainBatch(body: Uint8Array): ResultBatch | null {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return null;
  }
  if (text === '') return { lines: [], bytes: body };
  const plain =
    text.endsWith('\n') &&
    !text.startsWith('\n') &&
    !text.startsWith('\uFEFF') &&
    !text.includes('\r') &&
    !text.includes('\n\n');
  if (!plain) return null;
  const texts = text.slice(0, -1).split('\n');
  const lines: StoredResultLine[] = [];
  for (let index = 0; index < texts.length; index += 1) {
    const line = texts[index] ?? '';
    let result: ResultLine | null;
    try {
      result = checkStoredResultLine(JSON.parse(line));
    } catch {
      return null;
    }
    if (result === null) {
      const parsed = ResultLine.safeParse(JSON.parse(line));
      if (!parsed.success) return null;
      result = parsed.data;
    }
    lines.push({ text: line, result });
  }
  return { lines, bytes: body };
}

async function readLineByLine(body: Uint8Array, jobId: string, key: string): Promise<StoredResultLine[]> {
  const lines: StoredResultLine[] = [];
  for await (const record of readJsonlLines([body], { maxLineBytes: Number.MAX_SAFE_INTEGER })) {
    if (record.kind === 'error')
      throw new PipelineError(`job ${jobId}: ${key} line ${record.lineNumber}: ${record.error.message}`);
    lines.push({
      text: record.text,
      result: parseStoredResult(record.text, `result line ${record.lineNumber} of ${key}`),
    });
  }
  return lines;
}

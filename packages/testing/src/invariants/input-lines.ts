import { normalizeInputLine, resolveJobDefaults } from '@thinkbatch/core';
import { promptKey } from '@thinkbatch/simulator';

/** A non-blank line of the input file as the checker sees it. */
export interface InputLine {
  /** 1-based physical line number, blank lines counted. */
  readonly line: number;
  readonly text: string;
  /** Its own `custom_id` when it is valid JSON with a string one, else null (the pipeline makes one). */
  readonly customId: string | null;
  readonly promptKey: string | null;
}

/** JSON whitespace only, as the pipeline's JSONL reader counts blank lines. */
const BLANK = /^[ \t\r\n]*$/;

const DEFAULTS = resolveJobDefaults({ model: 'deepseek-ai/deepseek-r1' });

/** The prompt key of the messages the pipeline sends for a line (null for a line it rejects). */
export function defaultPromptKeyOf(text: string, line: number): string | null {
  const normalized = normalizeInputLine(text, line, DEFAULTS);
  return normalized.kind === 'valid' ? promptKey(normalized.request.body.messages) : null;
}

function customIdOf(text: string): string | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const id = (value as { custom_id?: unknown }).custom_id;
    return typeof id === 'string' && id !== '' ? id : null;
  } catch {
    return null;
  }
}

/** The non-blank lines of an input file, numbered as the pipeline numbers them. */
export function readInputLines(
  input: string,
  promptKeyOf: (text: string, line: number) => string | null = defaultPromptKeyOf,
): InputLine[] {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const lines: InputLine[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    if (BLANK.test(raw)) continue;
    const line = index + 1;
    const body = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    lines.push({ line, text: body, customId: customIdOf(body), promptKey: promptKeyOf(body, line) });
  }
  return lines;
}

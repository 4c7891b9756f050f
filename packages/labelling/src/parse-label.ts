import type { Label, LabelSpace } from './label-space';

/** What one answer says, as a label: valid (and where it was found), or why not. */
export type ParsedLabel =
  | { readonly kind: 'valid'; readonly label: Label; readonly via: 'boxed' | 'json' | 'bare' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** The content of the last `\boxed{…}` (nested braces balanced), or null. */
export function lastBoxed(text: string): string | null {
  const start = text.lastIndexOf('\\boxed{');
  if (start < 0) return null;
  let depth = 0;
  for (let i = start + 6; i < text.length; i += 1) {
    const char = text[i];
    if (char === '{') depth += 1;
    else if (char === '}') {
      depth -= 1;
      if (depth === 0) return text.slice(start + 7, i);
    }
  }
  return null;
}

/** `\text{x}`, `\textbf{x}`, `\mathrm{x}` → x; surrounding quotes, `**` and a final period dropped. */
function unwrap(candidate: string): string {
  let text = candidate.trim();
  for (;;) {
    const latex = /^\\(?:text|textbf|textit|mathrm|mathbf|operatorname)\{([\s\S]*)\}$/.exec(text);
    const quoted = /^(["'`*]+)([\s\S]*?)\1$/.exec(text);
    const next = latex?.[1] ?? quoted?.[2];
    if (next === undefined) break;
    text = next.trim();
  }
  return text.replace(/\.$/, '').trim();
}

/** The JSON object of an answer: a fenced ```json block, else the text from its first `{` to its last `}`. */
function jsonObjectIn(text: string): unknown {
  const fenced = /```(?:json)?\s*\n?([\s\S]*?)```/i.exec(text);
  const candidates = fenced?.[1] !== undefined ? [fenced[1]] : [];
  const open = text.indexOf('{');
  const close = text.lastIndexOf('}');
  if (open >= 0 && close > open) candidates.push(text.slice(open, close + 1));
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate.trim());
    } catch {
      // not JSON: the next candidate, or none
    }
  }
  return undefined;
}

/**
 * Read the label in an answer the way R1 writes it: the last `\boxed{…}` first, then a JSON object
 * (fenced or not), then the whole answer as a bare label. Enum labels match case- and
 * whitespace-insensitively; anything else is invalid with a reason — never coerced to the nearest label.
 */
export function parseLabel(answer: string | null, space: LabelSpace): ParsedLabel {
  if (answer === null || answer.trim() === '') return { kind: 'invalid', reason: 'the answer is empty' };
  const boxed = lastBoxed(answer);
  if (boxed !== null) {
    const inner = unwrap(boxed);
    const check = space.checkText(inner);
    return check.ok
      ? { kind: 'valid', label: check.label, via: 'boxed' }
      : { kind: 'invalid', reason: check.reason };
  }
  const json = jsonObjectIn(answer);
  if (json !== undefined) {
    const check = space.checkJson(json);
    return check.ok
      ? { kind: 'valid', label: check.label, via: 'json' }
      : { kind: 'invalid', reason: check.reason };
  }
  if (space.kind === 'schema') return { kind: 'invalid', reason: 'the answer holds no JSON object' };
  const check = space.checkText(unwrap(answer));
  return check.ok
    ? { kind: 'valid', label: check.label, via: 'bare' }
    : { kind: 'invalid', reason: check.reason };
}

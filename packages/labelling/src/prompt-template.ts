import { LabellingError } from './labelling-error';

/** One piece of a compiled template: literal text or a row field. */
type TemplatePart = { readonly text: string } | { readonly field: string };

/** A prompt template over row fields, compiled once: `{{text}}` inserts the row's `text`. */
export interface PromptTemplate {
  /** The fields the template reads, in order of first use. */
  readonly fields: readonly string[];
  /** Fill in a row's fields. Throws `LabellingError` naming the first missing field. */
  render(row: Readonly<Record<string, unknown>>): string;
}

const FIELD = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Compile `{{field}}` placeholders (spaces inside the braces allowed). `\{{` writes a literal `{{`.
 * Values are inserted once and never read as template text, so a row holding `{{x}}` cannot pull in
 * another field. Strings go in as they are, other values as JSON; a field that is missing or null is an
 * error, never an empty string.
 */
export function compilePromptTemplate(template: string): PromptTemplate {
  const parts: TemplatePart[] = [];
  let text = '';
  let at = 0;
  while (at < template.length) {
    if (template.startsWith('\\{{', at)) {
      text += '{{';
      at += 3;
      continue;
    }
    if (template.startsWith('{{', at)) {
      const end = template.indexOf('}}', at + 2);
      if (end < 0)
        throw new LabellingError(`prompt template: "{{" at character ${at} is never closed by "}}"`);
      const field = template.slice(at + 2, end).trim();
      if (!FIELD.test(field)) {
        throw new LabellingError(
          `prompt template: "{{${template.slice(at + 2, end)}}}" is not a field name (letters, digits, _ . -; write \\{{ for a literal "{{")`,
        );
      }
      if (text !== '') parts.push({ text });
      text = '';
      parts.push({ field });
      at = end + 2;
      continue;
    }
    text += template[at];
    at += 1;
  }
  if (text !== '') parts.push({ text });
  const fields = [...new Set(parts.flatMap((part) => ('field' in part ? [part.field] : [])))];
  if (fields.length === 0) throw new LabellingError('prompt template: uses no row field (e.g. {{text}})');
  return {
    fields,
    render: (row) =>
      parts
        .map((part) => {
          if ('text' in part) return part.text;
          const value = Object.hasOwn(row, part.field) ? row[part.field] : undefined;
          if (value === undefined || value === null) {
            const present = Object.keys(row).slice(0, 20).join(', ');
            throw new LabellingError(
              `prompt template: the row has no field "${part.field}" (it has: ${present === '' ? 'no fields' : present})`,
            );
          }
          return typeof value === 'string' ? value : JSON.stringify(value);
        })
        .join(''),
  };
}

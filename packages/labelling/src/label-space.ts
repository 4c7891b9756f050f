import { Ajv2020 } from 'ajv/dist/2020.js';
import { LabellingError } from './labelling-error';

/** The labels a task accepts: a fixed list, or objects matching a JSON schema. */
export type LabelSpaceSpec =
  | { readonly enum: readonly string[] }
  | { readonly schema: Record<string, unknown> };

/** A label as it is written into the labelled file: an enum value, or an object matching the schema. */
export type Label = string | Record<string, unknown>;

/** Whether a candidate is a label, and which: the canonical enum value, or the validated object. */
export type LabelCheck =
  | { readonly ok: true; readonly label: Label }
  | { readonly ok: false; readonly reason: string };

/** A compiled label space. */
export interface LabelSpace {
  readonly kind: 'enum' | 'schema';
  /** The enum values in their order; empty for a schema. */
  readonly values: readonly string[];
  /** Check a bare text candidate (enum: case and whitespace tolerant; schema: must be JSON). */
  checkText(candidate: string): LabelCheck;
  /** Check a parsed JSON value (enum: `{"label": …}` or a string; schema: validated as it is). */
  checkJson(value: unknown): LabelCheck;
  /** The same label always gives the same key: what the majority vote counts. */
  keyOf(label: Label): string;
  /** What the prompt says about the answer's form. */
  describe(): string;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });

/** Lower case, inner whitespace collapsed, outer trimmed: how enum labels are compared. */
export function normalizeLabelText(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** JSON with object keys sorted: equal objects, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Compile a task's label space; throws `LabellingError` on an unusable one (duplicate values, a bad schema). */
export function compileLabelSpace(spec: LabelSpaceSpec): LabelSpace {
  return 'enum' in spec ? enumSpace(spec.enum) : schemaSpace(spec.schema);
}

function enumSpace(values: readonly string[]): LabelSpace {
  const byNormal = new Map<string, string>();
  for (const value of values) {
    const normal = normalizeLabelText(value);
    if (normal === '') throw new LabellingError('label space: an enum value is empty');
    if (byNormal.has(normal))
      throw new LabellingError(`label space: "${value}" and "${byNormal.get(normal)}" are the same label`);
    byNormal.set(normal, value);
  }
  const checkText = (candidate: string): LabelCheck => {
    const label = byNormal.get(normalizeLabelText(candidate));
    if (label !== undefined) return { ok: true, label };
    const shown = candidate.length > 60 ? `${candidate.slice(0, 60)}…` : candidate;
    return { ok: false, reason: `"${shown}" is not one of the labels (${values.join(', ')})` };
  };
  return {
    kind: 'enum',
    values,
    checkText,
    checkJson: (value) => {
      if (typeof value === 'string') return checkText(value);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const label = (value as Record<string, unknown>)['label'];
        if (typeof label === 'string') return checkText(label);
      }
      return { ok: false, reason: 'the JSON answer has no string "label"' };
    },
    keyOf: (label) => (typeof label === 'string' ? label : canonicalJson(label)),
    describe: () => `Allowed labels: ${values.map((value) => JSON.stringify(value)).join(', ')}.`,
  };
}

function schemaSpace(schema: Record<string, unknown>): LabelSpace {
  let validate: ReturnType<typeof ajv.compile>;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new LabellingError(`label space: the JSON schema does not compile: ${String(error)}`, {
      cause: error,
    });
  }
  const checkJson = (value: unknown): LabelCheck => {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return { ok: false, reason: 'the answer is not a JSON object' };
    if (validate(value)) return { ok: true, label: value as Record<string, unknown> };
    const problems = (validate.errors ?? [])
      .slice(0, 3)
      .map((e) => `${e.instancePath === '' ? 'the object' : e.instancePath} ${e.message ?? 'is invalid'}`);
    return { ok: false, reason: `the answer does not match the label schema: ${problems.join('; ')}` };
  };
  return {
    kind: 'schema',
    values: [],
    checkText: (candidate) => {
      try {
        return checkJson(JSON.parse(candidate));
      } catch {
        return { ok: false, reason: 'the answer is not JSON' };
      }
    },
    checkJson,
    keyOf: canonicalJson,
    describe: () => `Answer with one JSON object matching this JSON schema: ${JSON.stringify(schema)}`,
  };
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveJobDefaults } from '../job/job-defaults';
import { parseCommonLine } from './common-input-line';
import { checkInputLine, normalizeInputLine, parseInputLine } from './normalize-input-line';

/*
 * The cheap path must agree with the full validation (shape check + zod schemas) wherever it answers:
 * same verdict, same messages, parameters and custom_id, same key order (the request body is sent as
 * serialized). Lines are generated near the edges of every rule, with hostile keys and values mixed in.
 */

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', '\t\n', 'x', '\u0000', '\uD800', '\uFEFF', 'é', '🙂', 'line-3', '__proto__'),
);
const number = fc.oneof(
  fc.constantFrom(0, -0, 1, 2, 0.5, 2.0000001, -1, 1.5, 3, 1e21, 2 ** 53, 2 ** 53 + 2, -2, 4096, 1e-9),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const anyJson = fc.jsonValue({ maxDepth: 3 });
const maybe = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 20, arbitrary: valid },
    { weight: 1, arbitrary: anyJson },
    { weight: 1, arbitrary: text },
  );
/** Mostly in `[min, max]`, else anywhere near the edges. */
const numberIn = (min: number, max: number) =>
  fc.oneof({ weight: 3, arbitrary: fc.double({ min, max, noNaN: true }) }, { weight: 1, arbitrary: number });

/** Mostly `usual`, sometimes one of `edges`. */
const mostly = <T>(usual: fc.Arbitrary<T>, ...edges: T[]) =>
  fc.oneof({ weight: 6, arbitrary: usual }, { weight: 1, arbitrary: fc.constantFrom(...edges) });
const customId = maybe(
  mostly(
    fc.string({ minLength: 1, maxLength: 20 }),
    'a'.repeat(256),
    'a'.repeat(257),
    '',
    'line-1',
    '🙂'.repeat(128),
    '🙂'.repeat(129),
  ),
);
const params = fc.record(
  {
    model: maybe(mostly(fc.string({ minLength: 1, maxLength: 8 }), '', 'm'.repeat(256), 'm'.repeat(257))),
    temperature: maybe(numberIn(0, 2)),
    top_p: maybe(numberIn(0, 1)),
    max_tokens: maybe(fc.oneof(fc.integer({ min: 1, max: 10 ** 6 }), number)),
  },
  { requiredKeys: [] },
);
/** Keys the cheap path leaves to the full one, and hostile ones. */
const extras = fc.dictionary(
  fc.constantFrom('stream', 'n', 'stop', 'seed', 'stream_options', 'constructor', 'toString', 'x', 'prompt'),
  anyJson,
  { maxKeys: 1 },
);
const message = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      role: maybe(fc.constantFrom('user', 'user', 'user', 'system', 'assistant', 'tool')),
      content: maybe(text),
    }),
  },
  { weight: 1, arbitrary: fc.record({ role: fc.constant('user'), content: text, name: text }) },
  { weight: 1, arbitrary: fc.record({ content: text }) },
  { weight: 1, arbitrary: anyJson },
);
const messages = maybe(fc.array(message, { minLength: 1, maxLength: 3 }));
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { freq: 5, nil: undefined });

const simpleLine = fc
  .tuple(sometimes(customId), fc.boolean(), maybe(text), messages, params, fc.nat(9), extras)
  .map(([id, usePrompt, prompt, msgs, ps, both, extra]) => ({
    ...(id !== undefined && { custom_id: id }),
    ...(usePrompt || both === 0 ? { prompt } : {}),
    ...(!usePrompt || both === 0 ? { messages: msgs } : {}),
    ...ps,
    ...(both === 1 ? extra : {}),
  }));
const batchLine = fc
  .tuple(
    customId,
    maybe(fc.constant('POST')),
    maybe(fc.constant('/v1/chat/completions')),
    messages,
    params,
    fc.nat(9),
    extras,
  )
  .map(([id, method, url, msgs, ps, odd, extra]) => ({
    ...(odd !== 0 && { custom_id: id }),
    ...(odd !== 1 && { method }),
    url,
    body: odd === 2 ? msgs : { messages: msgs, ...ps, ...(odd === 3 ? extra : {}) },
    ...(odd === 4 ? extra : {}),
  }));
/** A line as JSON text: through JSON, as fan-out reads it (`__proto__` stays an own key). */
const lineText = fc.oneof(
  { weight: 4, arbitrary: simpleLine.map((value) => JSON.stringify(value)) },
  { weight: 4, arbitrary: batchLine.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: anyJson.map((value) => JSON.stringify(value)) },
);

const HOSTILE_LINES = [
  '{"__proto__":{"prompt":"x"},"prompt":"a"}',
  '{"prompt":"a","__proto__":null}',
  '{"custom_id":"q","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"a"}],"__proto__":{"model":"x"}}}',
  '{"custom_id":"q","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"a","__proto__":{}}]}}',
  '{"messages":[{"role":"user","content":"a"},{"role":"system","content":"s"}],"model":"m","max_tokens":1}',
  '{"messages":[{"role":"system","content":"s"}]}',
  '{"prompt":"   "}',
  '{"prompt":"a","prompt":"b"}',
  '{"prompt":"a","max_tokens":1.0}',
  '{"prompt":"a","max_tokens":1e0,"temperature":2e0,"top_p":1e-300}',
  '{"custom_id":"q","method":"POST","url":"/v1/chat/completions","body":{"messages":[]}}',
  '{"custom_id":"q","method":"GET","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"a"}]}}',
];

const parse = (line: string): Record<string, unknown> | null => {
  const value: unknown = JSON.parse(line);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
};

/** The cheap path's answer for a line, checked against the full one; whether it answered. */
function agrees(line: string): boolean {
  const value = parse(line);
  if (value === null) return false;
  const common = parseCommonLine(value);
  if (common === null) return false;
  const full = parseInputLine(value);
  expect(full.ok).toBe(true);
  // Serialized: the same values and the same key order.
  expect(JSON.stringify(common)).toBe(JSON.stringify(full));
  return true;
}

describe('parseCommonLine against the full validation', () => {
  it('agrees with it on every generated line it answers, and answers most valid ones', () => {
    let answered = 0;
    let fullValid = 0;
    fc.assert(
      fc.property(lineText, (line) => {
        if (agrees(line)) answered += 1;
        const value = parse(line);
        if (value !== null && parseInputLine(value).ok) fullValid += 1;
      }),
      { numRuns: 10_000, seed: 12 },
    );
    // Both paths are exercised: many lines take the cheap path, many valid and invalid ones do not.
    // Both paths are exercised: the cheap one answers nearly every valid line (696 of 720 at this
    // seed; the rest carry `stop`, `stream` …), and most lines are invalid.
    expect(answered).toBeGreaterThan(500);
    expect(answered).toBeGreaterThan(0.9 * fullValid);
    expect(fullValid).toBeLessThan(2_000);
  });

  it('agrees on hostile lines, leaving forbidden keys, duplicates and errors to the full path', () => {
    const answered = HOSTILE_LINES.filter((line) => agrees(line));
    expect(answered).toEqual([HOSTILE_LINES[4], HOSTILE_LINES[7], HOSTILE_LINES[8], HOSTILE_LINES[9]]);
  });

  it('leaves normalizeInputLine the verdicts and messages of the full path', () => {
    const defaults = resolveJobDefaults({ model: 'r1', max_tokens: 50 });
    fc.assert(
      fc.property(lineText, fc.integer({ min: 1, max: 10 ** 6 }), (line, lineNumber) => {
        const result = normalizeInputLine(line, lineNumber, defaults);
        const value = parse(line);
        const full = value === null ? null : parseInputLine(value);
        if (full === null) expect(result).toMatchObject({ kind: 'invalid', error: { code: 'invalid_json' } });
        else if (!full.ok)
          expect(result).toMatchObject({
            kind: 'invalid',
            error: { message: `line ${lineNumber}: ${full.message}` },
          });
        else expect(result.kind).toBe('valid');
      }),
      { numRuns: 5_000, seed: 13 },
    );
  });

  it('gives fan-out (checkInputLine) the verdict, custom_id and error of normalizeInputLine', () => {
    const defaults = resolveJobDefaults({ model: 'r1', max_tokens: 50 });
    const lines = fc.oneof(
      { weight: 8, arbitrary: lineText },
      { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_LINES, '', '[]', '{', '\uFEFF{"prompt":"a"}') },
      { weight: 1, arbitrary: text },
    );
    fc.assert(
      fc.property(lines, fc.integer({ min: 1, max: 10 ** 6 }), (line, lineNumber) => {
        const full = normalizeInputLine(line, lineNumber, defaults);
        const verdict = checkInputLine(line, lineNumber);
        if (full.kind === 'valid')
          expect(verdict).toEqual({ kind: 'valid', customId: full.request.customId });
        else expect(verdict).toEqual(full);
      }),
      { numRuns: 5_000, seed: 14 },
    );
  });
});

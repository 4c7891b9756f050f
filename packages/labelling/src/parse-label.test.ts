import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileLabelSpace } from './label-space';
import { lastBoxed, parseLabel } from './parse-label';

const sentiment = compileLabelSpace({ enum: ['positive', 'negative', 'Not Sure'] });
const structured = compileLabelSpace({
  schema: {
    type: 'object',
    properties: { topic: { enum: ['billing', 'bug'] }, urgent: { type: 'boolean' } },
    required: ['topic', 'urgent'],
    additionalProperties: false,
  },
});

describe('parseLabel', () => {
  it.each([
    ['**Final Answer**\n\nThe label is \\boxed{positive}.', 'positive', 'boxed'],
    ['\\boxed{\\text{Negative}}', 'negative', 'boxed'],
    ['First \\boxed{negative}, no wait: \\boxed{ not   sure }', 'Not Sure', 'boxed'],
    ['```json\n{"label": "NEGATIVE"}\n```', 'negative', 'json'],
    ['Answer: {"label": "positive", "why": "tone"}', 'positive', 'json'],
    ['  Positive.  ', 'positive', 'bare'],
    ['"not sure"', 'Not Sure', 'bare'],
  ])('reads %j as %s (%s)', (answer, label, via) => {
    expect(parseLabel(answer, sentiment)).toEqual({ kind: 'valid', label, via });
  });

  it.each([
    ['\\boxed{positive-ish}', /not one of the labels/],
    ['It could be positive, or maybe not.', /not one of the labels/],
    ['{"label": "posit', /not one of the labels/],
    ['{"sentiment": "positive"}', /no string "label"/],
    ['', /empty/],
  ])('refuses %j, never coercing it', (answer, reason) => {
    const parsed = parseLabel(answer, sentiment);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind === 'invalid') expect(parsed.reason).toMatch(reason);
  });

  it('validates structured labels against the JSON schema', () => {
    expect(parseLabel('\\boxed{{"topic": "bug", "urgent": true}}', structured)).toEqual({
      kind: 'valid',
      label: { topic: 'bug', urgent: true },
      via: 'boxed',
    });
    expect(parseLabel('```json\n{"topic":"billing","urgent":false}\n```', structured)).toMatchObject({
      kind: 'valid',
    });
    const wrong = parseLabel('{"topic": "sales", "urgent": true}', structured);
    expect(wrong).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/does not match the label schema/),
    });
    expect(parseLabel('bug', structured)).toMatchObject({ kind: 'invalid' });
  });

  it('reads any label in any case, spacing and R1 shape', () => {
    const values = ['positive', 'negative', 'Not Sure'];
    const casing = (text: string, flips: boolean[]) =>
      [...text].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c.toLowerCase())).join('');
    fc.assert(
      fc.property(
        fc.constantFrom(...values),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(' ', '  ', '\t', '\n '),
        fc.constantFrom('boxed', 'json', 'fenced', 'bare'),
        (label, flips, space, shape) => {
          const written = `${space}${casing(label, flips).replace(' ', space)}${space}`;
          const answer =
            shape === 'boxed'
              ? `Reasoning done. \\boxed{${written}}`
              : shape === 'json'
                ? `Here: {"label": ${JSON.stringify(written)}}`
                : shape === 'fenced'
                  ? `\`\`\`json\n{"label": ${JSON.stringify(written)}}\n\`\`\``
                  : written;
          expect(parseLabel(answer, sentiment)).toMatchObject({ kind: 'valid', label });
        },
      ),
    );
  });

  it('never returns a label for text that is not one', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const parsed = parseLabel(text, sentiment);
        if (parsed.kind === 'valid') expect(['positive', 'negative', 'Not Sure']).toContain(parsed.label);
        const normal = text.toLowerCase().replace(/[^a-z]/g, '');
        if (parsed.kind === 'valid')
          expect(['positive', 'negative', 'notsure'].some((l) => normal.includes(l))).toBe(true);
      }),
    );
  });
});

describe('lastBoxed', () => {
  it('takes the last box, with nested braces balanced', () => {
    expect(lastBoxed('\\boxed{a} then \\boxed{\\text{b}}')).toBe('\\text{b}');
    expect(lastBoxed('\\boxed{{"a": {"b": 1}}}')).toBe('{"a": {"b": 1}}');
    expect(lastBoxed('\\boxed{never closed')).toBeNull();
    expect(lastBoxed('no box')).toBeNull();
  });
});

import { ChatCompletionChunk } from '@thinkbatch/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWellFormedChunk } from './well-formed-chunk';

/** A field value: often of the right type, often not (wrong type, null, nested, missing). */
const fieldValue = fc.oneof(
  fc.string(),
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
);

/** An object with some of `keys`, each of any `fieldValue`, and maybe an unknown key. */
function someOf(keys: readonly string[], values: fc.Arbitrary<unknown> = fieldValue): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      fc.record(Object.fromEntries(keys.map((key) => [key, values])), { requiredKeys: [] }),
      fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 2 }),
    )
    .map(([known, extra]) => ({ ...extra, ...known }));
}

const delta = fc.oneof(someOf(['role', 'content', 'reasoning_content', 'reasoning']), fieldValue);
const choice = fc.oneof(
  fc
    .tuple(someOf(['index', 'finish_reason']), fc.option(delta, { nil: undefined }))
    .map(([fields, d]) => (d === undefined ? fields : { ...(fields as object), delta: d })),
  fieldValue,
);
const chunkLike = fc.oneof(
  fc
    .tuple(someOf(['id', 'model', 'usage']), fc.oneof(fc.array(choice, { maxLength: 3 }), fieldValue))
    .map(([fields, choices]) => ({ ...(fields as object), choices })),
  fc.jsonValue(),
  fc.anything(),
);

/** Chunks as R1 endpoints stream them. */
const r1Chunks: readonly unknown[] = [
  {
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'r1',
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
  },
  {
    id: 'c',
    model: 'r1',
    choices: [{ index: 0, delta: { content: null, reasoning_content: 'Okay' }, finish_reason: null }],
  },
  {
    id: 'c',
    model: 'r1',
    choices: [{ index: 0, delta: { content: '2' }, finish_reason: 'stop' }],
    usage: null,
  },
  { id: 'c', model: 'r1', choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } },
];

describe('isWellFormedChunk', () => {
  it('never accepts what the schema refuses, and what it accepts the schema reads the same', () => {
    fc.assert(
      fc.property(chunkLike, (raw) => {
        if (!isWellFormedChunk(raw)) return;
        const parsed = ChatCompletionChunk.safeParse(raw);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toStrictEqual(raw);
      }),
      { numRuns: 5_000 },
    );
  });

  it('accepts the chunks R1 endpoints stream, so they skip the schema', () => {
    for (const raw of r1Chunks) expect(isWellFormedChunk(JSON.parse(JSON.stringify(raw)))).toBe(true);
  });

  it('refuses a chunk the schema refuses', () => {
    for (const raw of [
      null,
      [],
      { choices: null },
      { choices: [{ delta: null }] },
      { id: 1, choices: [] },
      { choices: [{ index: 0.5 }] },
    ]) {
      expect(ChatCompletionChunk.safeParse(raw).success).toBe(false);
      expect(isWellFormedChunk(raw)).toBe(false);
    }
  });
});

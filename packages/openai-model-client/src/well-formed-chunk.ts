import type { ChatCompletionChunk } from '@thinkbatch/core';

/** The fields of a chunk, a choice and a delta that the schema reads; all unknown until checked. */
interface Fields {
  readonly id?: unknown;
  readonly model?: unknown;
  readonly choices?: unknown;
  readonly index?: unknown;
  readonly delta?: unknown;
  readonly finish_reason?: unknown;
  readonly role?: unknown;
  readonly content?: unknown;
  readonly reasoning_content?: unknown;
  readonly reasoning?: unknown;
}

function isPlainRecord(value: unknown): value is Fields {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

const isOptionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';
const isOptionalNullableString = (value: unknown): boolean => value === null || isOptionalString(value);

function isWellFormedDelta(delta: unknown): boolean {
  if (delta === undefined) return true;
  return (
    isPlainRecord(delta) &&
    isOptionalNullableString(delta.role) &&
    isOptionalNullableString(delta.content) &&
    isOptionalNullableString(delta.reasoning_content) &&
    isOptionalNullableString(delta.reasoning)
  );
}

function isWellFormedChoice(choice: unknown): boolean {
  return (
    isPlainRecord(choice) &&
    (choice.index === undefined || Number.isSafeInteger(choice.index)) &&
    isWellFormedDelta(choice.delta) &&
    isOptionalNullableString(choice.finish_reason)
  );
}

/**
 * A quick test that a streamed chunk, as `JSON.parse` made it, has the shape of the core's
 * `ChatCompletionChunk` schema; no allocation. Stricter than the schema, never looser (a property test
 * holds it to that), so a chunk it accepts is used as it is, and one it refuses goes to the schema,
 * which decides and explains. An R1 answer streams thousands of chunks per line: a zod parse of each —
 * a copy of every object — was most of the reader's own time.
 */
export function isWellFormedChunk(raw: unknown): raw is ChatCompletionChunk {
  if (!isPlainRecord(raw) || !isOptionalString(raw.id) || !isOptionalString(raw.model)) return false;
  const { choices } = raw;
  if (!Array.isArray(choices)) return false;
  for (const choice of choices) if (!isWellFormedChoice(choice)) return false;
  return true;
}

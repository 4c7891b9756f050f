import type { ObjectStore } from '@thinkbatch/core';

/** Anything that validates a parsed JSON value (a zod schema, a parse function's holder). */
export interface JsonParser<T> {
  parse(value: unknown): T;
}

/** Read a JSON object and validate it; null when there is none. */
export async function readJsonObject<T>(
  store: ObjectStore,
  key: string,
  parser: JsonParser<T>,
): Promise<T | null> {
  const body = await store.get(key);
  if (body === null) return null;
  return parser.parse(JSON.parse(new TextDecoder().decode(body)));
}

/** Write a value as pretty JSON. */
export async function writeJsonObject(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.put(key, `${JSON.stringify(value, null, 2)}\n`, { contentType: 'application/json' });
}

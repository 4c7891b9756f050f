/**
 * Deepest nesting of arrays and objects a line may hold. Chat requests nest a few levels; the bound keeps
 * a hostile line from reaching a recursive serializer (`JSON.stringify` in the model client overflows
 * the stack at about 10,000 levels) and failing its work item on every delivery.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Keys no line may use anywhere. `__proto__` parsed by `JSON.parse` is a plain own key, but spreading
 * or `Object.assign` of it sets the target's prototype: fields read from the request would then come
 * from the line unvalidated.
 */
const FORBIDDEN_KEYS = new Set(['__proto__']);

/**
 * Why a parsed JSON value must not be used as a request, or null when it may: a forbidden key or
 * nesting deeper than `maxDepth`, with the path where it was found (`body.x[3]`). Iterative, so a
 * value nested millions of levels deep is checked without recursion.
 */
export function findJsonShapeProblem(value: unknown, maxDepth: number = MAX_JSON_DEPTH): string | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item.value !== 'object' || item.value === null) continue;
    const depth = item.depth + 1;
    if (depth > maxDepth) {
      return `${item.path === '' ? 'the line' : item.path} is nested deeper than ${maxDepth} levels`;
    }
    if (Array.isArray(item.value)) {
      item.value.forEach((child, index) => {
        stack.push({ value: child, path: `${item.path}[${index}]`, depth });
      });
      continue;
    }
    for (const [key, child] of Object.entries(item.value)) {
      const path = item.path === '' ? key : `${item.path}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) return `key ${JSON.stringify(key)} is not allowed (at ${path})`;
      stack.push({ value: child, path, depth });
    }
  }
  return null;
}

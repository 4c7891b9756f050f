import { describe, expect, it } from 'vitest';
import { findJsonShapeProblem, MAX_JSON_DEPTH } from './json-shape';

const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('findJsonShapeProblem', () => {
  it('accepts a chat request', () => {
    const request = { custom_id: 'a', body: { messages: [{ role: 'user', content: 'hi' }], stop: ['x'] } };
    expect(findJsonShapeProblem(request)).toBeNull();
  });

  it('finds a __proto__ key anywhere, with its path', () => {
    expect(findJsonShapeProblem(JSON.parse('{"__proto__": {"stream": true}}'))).toBe(
      'key "__proto__" is not allowed (at __proto__)',
    );
    const inBody = JSON.parse('{"body": {"messages": [{"role": "user", "__proto__": 1}]}}');
    expect(findJsonShapeProblem(inBody)).toBe(
      'key "__proto__" is not allowed (at body.messages[0].__proto__)',
    );
  });

  it('accepts nesting up to the limit and refuses one level more', () => {
    expect(findJsonShapeProblem({ x: JSON.parse(nested(MAX_JSON_DEPTH - 1)) })).toBeNull();
    expect(findJsonShapeProblem({ x: JSON.parse(nested(MAX_JSON_DEPTH)) })).toMatch(
      new RegExp(`^x(\\[0\\]){${MAX_JSON_DEPTH - 1}} is nested deeper than ${MAX_JSON_DEPTH} levels$`),
    );
  });

  it('checks a value nested a million levels deep without overflowing the stack', () => {
    expect(findJsonShapeProblem(JSON.parse(nested(1_000_000)))).toMatch(/nested deeper than 64 levels/);
  });
});

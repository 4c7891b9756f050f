import { describe, expect, it } from 'vitest';
import { resolveJobDefaults } from '../job/job-defaults';
import { createCustomIdRegistry } from './custom-id-registry';
import { normalizeInputLine } from './normalize-input-line';

describe('createCustomIdRegistry', () => {
  it('lets the first line keep an id and fails the later one', () => {
    const registry = createCustomIdRegistry();
    expect(registry.claim('a', 3)).toEqual({ kind: 'claimed' });
    expect(registry.claim('b', 4)).toEqual({ kind: 'claimed' });
    expect(registry.claim('a', 9)).toEqual({
      kind: 'duplicate',
      firstLine: 3,
      error: { code: 'duplicate_custom_id', message: 'line 9: custom_id "a" already used by line 3' },
    });
    expect(registry.claim('a', 12)).toMatchObject({ kind: 'duplicate', firstLine: 3 });
    expect(registry.size).toBe(2);
  });

  it('is idempotent for the same line', () => {
    const registry = createCustomIdRegistry();
    expect(registry.claim('a', 1)).toEqual({ kind: 'claimed' });
    expect(registry.claim('a', 1)).toEqual({ kind: 'claimed' });
  });

  it('treats ids as exact strings (case and spaces matter)', () => {
    const registry = createCustomIdRegistry();
    expect(registry.claim('a', 1).kind).toBe('claimed');
    expect(registry.claim('A', 2).kind).toBe('claimed');
    expect(registry.claim('a ', 3).kind).toBe('claimed');
  });

  it('quotes ids with JSON escaping', () => {
    const registry = createCustomIdRegistry();
    registry.claim('say "hi"', 1);
    expect(registry.claim('say "hi"', 2)).toMatchObject({
      error: { message: 'line 2: custom_id "say \\"hi\\"" already used by line 1' },
    });
  });

  it('throws when lines are claimed out of order or are not positive integers (bugs)', () => {
    const registry = createCustomIdRegistry();
    registry.claim('a', 5);
    expect(() => registry.claim('b', 4)).toThrow('custom_id registry: line 4 claimed after line 5');
    expect(() => registry.claim('b', 0)).toThrow(/positive integer/);
  });

  it('fails the later line when a default id collides with an explicit one, in either order', () => {
    const texts = [
      '{"custom_id":"line-3","prompt":"explicit, claims line-3 first"}',
      '{"prompt":"line 2 gets line-2"}',
      '{"prompt":"line 3 gets the default line-3: taken"}',
      '{"custom_id":"line-2","prompt":"explicit line-2 after the default: taken"}',
      '{"custom_id":"line-5","prompt":"explicit id equal to its own default: fine"}',
    ];
    const registry = createCustomIdRegistry();
    const outcomes = texts.map((text, index) => {
      const result = normalizeInputLine(text, index + 1, resolveJobDefaults({ model: 'm' }));
      const customId = result.kind === 'valid' ? result.request.customId : result.customId;
      return registry.claim(customId, index + 1);
    });
    const hint = ' (lines without a custom_id get "line-<n>"; choose ids that cannot collide with those)';
    expect(outcomes).toEqual([
      { kind: 'claimed' },
      { kind: 'claimed' },
      {
        kind: 'duplicate',
        firstLine: 1,
        error: {
          code: 'duplicate_custom_id',
          message: `line 3: custom_id "line-3" already used by line 1${hint}`,
        },
      },
      {
        kind: 'duplicate',
        firstLine: 2,
        error: {
          code: 'duplicate_custom_id',
          message: `line 4: custom_id "line-2" already used by line 2${hint}`,
        },
      },
      { kind: 'claimed' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { promptKey } from './prompt-key';

describe('promptKey', () => {
  it('depends on roles and contents only, and on their order', () => {
    const a = promptKey([{ role: 'user', content: 'x' }]);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(promptKey([{ role: 'user', content: 'x' }])).toBe(a);
    expect(promptKey([{ role: 'system', content: 'x' }])).not.toBe(a);
    expect(
      promptKey([
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ]),
    ).not.toBe(
      promptKey([
        { role: 'user', content: 'b' },
        { role: 'user', content: 'a' },
      ]),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { MIN_SECRET_LENGTH, redactSecret } from './redact-secret';

describe('redactSecret', () => {
  it('replaces every occurrence of a real-length secret', () => {
    const key = 'nvapi-abcdefghijklmnop';
    expect(redactSecret(`bad key ${key}; again ${key}`, key)).toBe('bad key [redacted]; again [redacted]');
  });

  it('leaves placeholder keys shorter than the minimum alone', () => {
    expect(MIN_SECRET_LENGTH).toBe(8);
    expect(redactSecret('chunks', 'k')).toBe('chunks');
    expect(redactSecret('x sk-1234 y', 'sk-1234')).toBe('x sk-1234 y');
    expect(redactSecret('x sk-12345 y', 'sk-12345')).toBe('x [redacted] y');
  });
});

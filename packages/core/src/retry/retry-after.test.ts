import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads retry-after-ms first, rounding up to whole ms', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '1500', 'retry-after': '9' }, NOW)).toBe(1500);
    expect(parseRetryAfter({ 'retry-after-ms': '12.3' }, NOW)).toBe(13);
  });

  it('falls back to retry-after when retry-after-ms is garbage', () => {
    expect(parseRetryAfter({ 'retry-after-ms': 'soon', 'retry-after': '2' }, NOW)).toBe(2000);
  });

  it('reads retry-after in seconds, decimals allowed', () => {
    expect(parseRetryAfter({ 'retry-after': '120' }, NOW)).toBe(120_000);
    expect(parseRetryAfter({ 'retry-after': ' 1.5 ' }, NOW)).toBe(1500);
    expect(parseRetryAfter({ 'retry-after': '0' }, NOW)).toBe(0);
  });

  it('reads retry-after as an HTTP date in all three RFC 9110 forms, relative to now', () => {
    expect(parseRetryAfter({ 'retry-after': 'Sun, 01 Mar 2026 12:00:30 GMT' }, NOW)).toBe(30_000);
    expect(parseRetryAfter({ 'retry-after': 'Sunday, 01-Mar-26 12:01:00 GMT' }, NOW)).toBe(60_000);
    expect(parseRetryAfter({ 'retry-after': 'Sun Mar  1 12:00:05 2026' }, NOW)).toBe(5_000);
  });

  it('turns negative values and past dates into 0', () => {
    expect(parseRetryAfter({ 'retry-after': '-3' }, NOW)).toBe(0);
    expect(parseRetryAfter({ 'retry-after-ms': '-10' }, NOW)).toBe(0);
    expect(parseRetryAfter({ 'retry-after': 'Sat, 28 Feb 2026 12:00:00 GMT' }, NOW)).toBe(0);
  });

  it('returns null for missing headers and garbage that Date.parse would accept', () => {
    expect(parseRetryAfter({}, NOW)).toBeNull();
    expect(parseRetryAfter({ 'retry-after': undefined }, NOW)).toBeNull();
    for (const value of [
      '',
      'soon',
      'hello 2020',
      '1e3',
      '0x10',
      '2026-03-01T12:00:30Z',
      'NaN',
      'Infinity',
    ]) {
      expect(parseRetryAfter({ 'retry-after': value }, NOW), value).toBeNull();
    }
  });

  it('matches header names case-insensitively in a record and reads fetch Headers', () => {
    expect(parseRetryAfter({ 'Retry-After': '3' }, NOW)).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'Retry-After-Ms': '250' }), NOW)).toBe(250);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Sun, 01 Mar 2026 12:00:01 GMT' }), NOW)).toBe(1000);
    expect(parseRetryAfter(new Headers(), NOW)).toBeNull();
  });
});

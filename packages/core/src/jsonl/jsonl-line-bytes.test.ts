import { describe, expect, it } from 'vitest';
import { ThinkbatchError } from '../errors/thinkbatch-error';
import { decodeLineBytes, InvalidUtf8Error } from './jsonl-line-bytes';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  new Uint8Array(
    parts.flatMap((part) => (typeof part === 'string' ? [...new TextEncoder().encode(part)] : part)),
  );

describe('decodeLineBytes', () => {
  it('decodes a bare line', () => {
    expect(decodeLineBytes(bytes('{"a":"é😀"}'))).toBe('{"a":"é😀"}');
    expect(decodeLineBytes(bytes(''))).toBe('');
  });

  it('drops a trailing LF, CRLF or CR, but only one terminator', () => {
    expect(decodeLineBytes(bytes('{}\n'))).toBe('{}');
    expect(decodeLineBytes(bytes('{}\r\n'))).toBe('{}');
    expect(decodeLineBytes(bytes('{}\r'))).toBe('{}');
    expect(decodeLineBytes(bytes('{}\n\n'))).toBe('{}\n');
    expect(decodeLineBytes(bytes('a\rb'))).toBe('a\rb');
  });

  it('drops a leading BOM, and only one', () => {
    expect(decodeLineBytes(bytes([0xef, 0xbb, 0xbf], '{}\r\n'))).toBe('{}');
    expect(decodeLineBytes(bytes([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf], '{}'))).toBe('\ufeff{}');
    expect(decodeLineBytes(bytes([0xef, 0xbb, 0xbf]))).toBe('');
  });

  it('throws InvalidUtf8Error for bytes that are not UTF-8', () => {
    expect(() => decodeLineBytes(bytes('a', [0xff], '\n'))).toThrow(InvalidUtf8Error);
    expect(() => decodeLineBytes(bytes([0xe2, 0x82]))).toThrow('2 bytes of a JSONL line are not valid UTF-8');
    expect(() => decodeLineBytes(bytes([0xed, 0xa0, 0x80]))).toThrow(ThinkbatchError);
  });
});

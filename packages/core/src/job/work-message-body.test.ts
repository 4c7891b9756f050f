import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CUSTOM_ID_LENGTH } from '../input/input-line-schemas';
import { QUEUE } from '../settings';
import { JobOptions } from './job';
import type { RunChunkMessage, WorkMessage } from './work-message';
import { decodeWorkMessageBody, encodeWorkMessageBody, isSqsMessageBody } from './work-message-body';

const runChunk = (...customIds: string[]): RunChunkMessage => ({
  type: 'run_chunk',
  jobId: 'job-1',
  chunk: 3,
  handoffs: 0,
  lines: customIds.map((customId, i) => ({ line: i + 1, customId, byteStart: i * 10, byteEnd: i * 10 + 9 })),
});

const roundTrip = (message: WorkMessage): WorkMessage => {
  const decoded = decodeWorkMessageBody(encodeWorkMessageBody(message));
  if (decoded.kind !== 'ok') throw new Error(decoded.reason);
  return decoded.message;
};

/** Any sequence of UTF-16 code units (lone surrogates included), biased towards the awkward ones. */
const anyString = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      '😀',
      '漢',
      '\uFFFE',
      '\uFFFF',
      '\uD800',
      '\uDFFF',
      '\u0000',
      '\u001F',
      '\u007F',
      '"',
      '\\',
    ),
    fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 300,
});

describe('isSqsMessageBody', () => {
  it('accepts exactly the characters SQS accepts', () => {
    for (const ok of ['\t\n\r', ' ~', '\u00E9\uD7FF', '\uE000\uFFFD', '😀', '\u{10FFFF}', ''])
      expect(isSqsMessageBody(ok), JSON.stringify(ok)).toBe(true);
    for (const bad of [
      '\u0000',
      '\u0001',
      '\u0008',
      '\u000B',
      '\u001F',
      '\uFFFE',
      '\uFFFF',
      '\uD800',
      'a\uDFFFb',
    ])
      expect(isSqsMessageBody(bad), JSON.stringify(bad)).toBe(false);
  });
});

describe('work message bodies', () => {
  it('are printable ASCII even when custom ids hold emoji, CJK, U+FFFE/U+FFFF, lone surrogates, controls', () => {
    const ids = [
      'unicode-😀-漢字',
      'ffff-\uFFFF-fffe-\uFFFE',
      'lone-\uD800-\uDFFF',
      'ctl-\u0001\u001F\u007F',
    ];
    const body = encodeWorkMessageBody(runChunk(...ids));
    expect(body).toMatch(/^[\u0020-\u007E]*$/);
    expect(body).toContain('unicode-\\ud83d\\ude00-\\u6f22\\u5b57');
    expect(roundTrip(runChunk(...ids))).toEqual(runChunk(...ids));
  });

  it('round-trip any string exactly, in a body SQS accepts', () => {
    fc.assert(
      fc.property(anyString, anyString, (jobId, customId) => {
        const message: RunChunkMessage = { ...runChunk(customId.length > 0 ? customId : 'x'), jobId };
        const body = encodeWorkMessageBody(message);
        expect(isSqsMessageBody(body)).toBe(true);
        expect(body).toMatch(/^[\u0020-\u007E]*$/);
        expect(new TextEncoder().encode(body).byteLength).toBe(body.length);
        expect(roundTrip(message)).toEqual(message);
      }),
      { numRuns: 500 },
    );
  });

  it('still fit the queue at the largest chunk a job may ask for, every id of the worst length', () => {
    const largest = 500;
    expect(JobOptions.safeParse({ linesPerChunk: largest }).success).toBe(true);
    expect(JobOptions.safeParse({ linesPerChunk: largest + 1 }).success).toBe(false);
    // U+FFFF: one UTF-16 unit, six bytes escaped: the most bytes per character of the id limit.
    const ids = Array.from({ length: largest }, (_, i) => `${i}`.padEnd(MAX_CUSTOM_ID_LENGTH, '\uFFFF'));
    const message: RunChunkMessage = {
      ...runChunk(...ids),
      jobId: 'j'.repeat(64),
      lines: runChunk(...ids).lines.map((ref) => ({ ...ref, byteStart: 2 ** 40, byteEnd: 2 ** 40 + 8 })),
    };
    expect(encodeWorkMessageBody(message).length).toBeLessThanOrEqual(QUEUE.maximumMessageSizeBytes);
  });

  it('decode what JSON.stringify wrote (messages sent before the escaping)', () => {
    const message = runChunk('unicode-😀-漢字');
    expect(decodeWorkMessageBody(JSON.stringify(message))).toEqual({ kind: 'ok', message });
  });

  it('decode to a reason, not a throw, when the body is not JSON or not a work message', () => {
    expect(decodeWorkMessageBody('{nope')).toMatchObject({ kind: 'invalid', reason: /^not JSON/ });
    expect(decodeWorkMessageBody('{"type":"explode"}')).toMatchObject({
      kind: 'invalid',
      reason: /^not a work message:\n[\s\S]*→ at type/,
    });
  });
});

import { gzipSync } from 'node:zlib';

/*
 * Hostile inputs, each with what the pipeline must make of it: one job-level error, or one result line
 * per non-blank line (the valid ones succeeded, the others failed with a line-numbered message).
 */

const encoder = new TextEncoder();
const prompt = (text: string): string => JSON.stringify({ prompt: text });
const batch = (customId: string, bodyJson: string): string =>
  `{"custom_id":${JSON.stringify(customId)},"method":"POST","url":"/v1/chat/completions","body":${bodyJson}}`;
const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const bytes = (...parts: (string | number[])[]): Uint8Array =>
  new Uint8Array(parts.flatMap((part) => (typeof part === 'string' ? [...encoder.encode(part)] : part)));

/** One line's expected end: `ok` for a line that must succeed, else its error code and message. */
export type ExpectedLine = 'ok' | { readonly code: string; readonly message: RegExp };

export interface HostileCase {
  readonly name: string;
  readonly body: string | Uint8Array;
  /** The upload's key suffix. @default '.jsonl' */
  readonly suffix?: string;
  readonly metadata?: Record<string, string>;
  readonly expected:
    | { readonly job: { readonly code: string; readonly message: RegExp } }
    | { readonly lines: readonly ExpectedLine[] };
}

/** Pseudo-random bytes, the same every run: a binary file. */
export function binaryBytes(length: number): Uint8Array {
  return new Uint8Array(Array.from({ length }, (_, i) => (i * 7919 + 13) % 256));
}

const refused = (code: string, message: RegExp): ExpectedLine => ({ code, message });

export const HOSTILE_CASES: readonly HostileCase[] = [
  {
    name: 'an empty file',
    body: '',
    expected: { job: { code: 'input_empty', message: /empty or holds only blank lines/ } },
  },
  {
    name: 'only blank lines',
    body: '\n\n   \n\t\r\n\n',
    expected: { job: { code: 'input_empty', message: /empty or holds only blank lines/ } },
  },
  {
    name: 'a binary file',
    body: binaryBytes(64 * 1024),
    expected: {
      job: {
        code: 'input_not_jsonl',
        message: /^the input is not JSONL: \d+ of its first \d+ lines are not JSON/,
      },
    },
  },
  {
    name: 'a plain text file',
    body: 'Dear user,\nthis is not JSON at all.\n'.repeat(300),
    expected: {
      job: { code: 'input_not_jsonl', message: /lines 1, 2, 3, …\)\. Expected one JSON object per line/ },
    },
  },
  {
    name: 'JSON lines in another schema (a data set, not requests)',
    body: '{"question":"What is 2+2?","answer":"4"}\n'.repeat(500),
    expected: {
      job: {
        code: 'input_no_requests',
        message:
          /^none of the first 100 lines is a request thinkbatch can run \(line 1: expected "prompt" or "messages"/,
      },
    },
  },
  {
    name: 'NUL bytes among valid lines',
    body: `${prompt('a')}\n\u0000\u0000\u0000\n{"prompt":"x\u0000y"}\n${prompt('b')}\n`,
    expected: {
      lines: [
        'ok',
        refused('invalid_json', /^line 2: not valid JSON/),
        refused('invalid_json', /^line 3: not valid JSON \(Bad control character/),
        'ok',
      ],
    },
  },
  {
    name: 'a line over the size limit (the harness limit is 4 KiB)',
    body: `${prompt('a')}\n${prompt('x'.repeat(10_000))}\n${prompt('b')}\n`,
    expected: {
      lines: [
        'ok',
        refused('line_too_large', /^line 2: line 2 is 10013 bytes, over the limit of 4096 bytes/),
        'ok',
      ],
    },
  },
  {
    name: 'invalid UTF-8',
    body: bytes(`${prompt('a')}\n{"prompt":"`, [0xff, 0xfe, 0xc3], `"}\n${prompt('b')}\n`),
    expected: { lines: ['ok', refused('invalid_utf8', /^line 2: line 2 is not valid UTF-8$/), 'ok'] },
  },
  {
    name: 'deep nesting',
    body: [
      // Within the harness's 4 KiB line limit; far deeper ones are in the unit tests and the CLI's.
      nested(2000),
      batch('deep', `{"messages":[{"role":"user","content":"hi"}],"x":${nested(1900)}}`),
      prompt('b'),
    ].join('\n'),
    expected: {
      lines: [
        refused('invalid_json', /^line 1: expected a JSON object, got an array$/),
        refused('invalid_request', /^line 2: body\.x(\[0\])+ is nested deeper than 64 levels$/),
        'ok',
      ],
    },
  },
  {
    name: '__proto__ keys',
    body: [
      '{"__proto__":{"polluted":true},"prompt":"p"}',
      batch(
        'proto',
        '{"messages":[{"role":"user","content":"hi"}],"__proto__":{"max_tokens":7,"stream":true}}',
      ),
      '{"messages":[{"role":"user","content":"hi","__proto__":{}}]}',
      prompt('b'),
    ].join('\n'),
    expected: {
      lines: [
        refused('invalid_request', /^line 1: key "__proto__" is not allowed \(at __proto__\)$/),
        refused('invalid_request', /^line 2: key "__proto__" is not allowed \(at body\.__proto__\)$/),
        refused(
          'invalid_request',
          /^line 3: key "__proto__" is not allowed \(at messages\[0\]\.__proto__\)$/,
        ),
        'ok',
      ],
    },
  },
  {
    name: 'wrong types',
    body: [
      '{"prompt":5}',
      '{"messages":"hi"}',
      '[1]',
      '"text"',
      'null',
      '{"prompt":"x","stop":[1]}',
      prompt('b'),
    ].join('\n'),
    expected: {
      lines: [
        refused('invalid_request', /^line 1: prompt must be a non-empty string, got 5$/),
        refused('invalid_request', /^line 2: messages must be an array of messages, got "hi"$/),
        refused('invalid_json', /^line 3: expected a JSON object, got an array$/),
        refused('invalid_json', /^line 4: expected a JSON object, got "text"$/),
        refused('invalid_json', /^line 5: expected a JSON object, got null$/),
        refused('invalid_request', /^line 6: stop must be a string or an array of strings/),
        'ok',
      ],
    },
  },
  {
    name: 'option values out of range',
    body: [
      '{"prompt":"x","temperature":9}',
      '{"prompt":"x","max_tokens":-1}',
      '{"prompt":"x","top_p":0}',
      '{"prompt":"x","max_tokens":1e400}',
      '{"prompt":"x","n":3}',
      prompt('b'),
    ].join('\n'),
    expected: {
      lines: [
        refused('invalid_request', /^line 1: temperature must be a number between 0 and 2, got 9$/),
        refused('invalid_request', /^line 2: max_tokens must be a positive integer, got -1$/),
        refused('invalid_request', /^line 3: top_p must be a number greater than 0 and at most 1, got 0$/),
        refused('invalid_request', /^line 4: max_tokens must be a positive integer, got Infinity$/),
        refused('invalid_request', /^line 5: n 3 is not supported/),
        'ok',
      ],
    },
  },
  {
    name: 'job options out of range',
    body: `${prompt('a')}\n`,
    metadata: { 'thinkbatch-options': '{"maxAttempts": 1000, "linesPerChunk": -4}' },
    expected: { job: { code: 'invalid_options', message: /maxAttempts[\s\S]*linesPerChunk/ } },
  },
  {
    name: 'custom_ids with ../ and control characters (data, never a path: they run)',
    body: [
      '{"custom_id":"../../../etc/passwd","prompt":"a"}',
      '{"custom_id":"/jobs/other-job/results.jsonl","prompt":"b"}',
      '{"custom_id":"ctl\\u0000\\n\\r\\u001b[31m\\u007f","prompt":"c"}',
    ].join('\n'),
    expected: { lines: ['ok', 'ok', 'ok'] },
  },
  {
    name: 'gzip bytes under .jsonl',
    body: new Uint8Array(gzipSync(`${prompt('a')}\n\n{"broken": \n${prompt('b')}\n`)),
    expected: { lines: ['ok', refused('invalid_json', /^line 3: not valid JSON/), 'ok'] },
  },
  {
    name: 'a .jsonl.gz upload',
    suffix: '.jsonl.gz',
    body: new Uint8Array(gzipSync(`${prompt('a')}\n${prompt('b')}\n`)),
    expected: { lines: ['ok', 'ok'] },
  },
  {
    name: 'corrupt gzip',
    body: new Uint8Array(gzipSync(`${prompt('a')}\n`.repeat(500))).subarray(0, 60),
    expected: {
      job: { code: 'input_not_jsonl', message: /^the input starts like gzip but cannot be decompressed/ },
    },
  },
  {
    name: 'a gzip bomb (the harness limit is 1 MiB decompressed)',
    body: new Uint8Array(gzipSync(`${prompt('a')}\n`.repeat(200_000))),
    expected: { job: { code: 'input_too_large', message: /decompresses to more than 1048576 bytes/ } },
  },
  {
    name: 'more lines than a job holds (the harness holds 20 chunks of 5)',
    body: `${prompt('tiny')}\n`.repeat(100_000),
    expected: {
      job: {
        code: 'input_too_large',
        message: /more lines than one job holds \(20 chunks, about 100 lines at 5 per chunk\)/,
      },
    },
  },
];

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatRequestBody, NormalizedRequest } from '../completion/chat';
import { resolveJobDefaults } from '../job/job-defaults';
import { defaultCustomId, normalizeInputLine } from './normalize-input-line';

const R1 = 'deepseek-ai/deepseek-r1';
const DEFAULTS = resolveJobDefaults({ model: R1 });

const user = (content: string) => ({ role: 'user', content });
const line = (value: unknown): string => JSON.stringify(value);
const batchLine = (body: unknown, extra: Record<string, unknown> = {}): string =>
  line({ custom_id: 'b-1', method: 'POST', url: '/v1/chat/completions', body, ...extra });

function valid(text: string, lineNumber = 1, defaults = DEFAULTS) {
  const result = normalizeInputLine(text, lineNumber, defaults);
  if (result.kind !== 'valid') throw new Error(`expected valid, got ${JSON.stringify(result)}`);
  expect(NormalizedRequest.parse(result.request)).toEqual(result.request);
  expect(ChatRequestBody.safeParse(result.request.body).success).toBe(true);
  return result.request;
}

function invalid(text: string, lineNumber = 1) {
  const result = normalizeInputLine(text, lineNumber, DEFAULTS);
  if (result.kind !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(result)}`);
  return result;
}

describe('normalizeInputLine: simple lines', () => {
  it('turns a prompt into one user message with the job defaults', () => {
    expect(valid(line({ prompt: 'What is 2+2?' }), 4)).toEqual({
      customId: 'line-4',
      line: 4,
      body: { model: 'deepseek-ai/deepseek-r1', messages: [user('What is 2+2?')], temperature: 0.6 },
    });
  });

  it('keeps the optional parameters a line gives, and its own model and temperature win', () => {
    const params = {
      model: 'my/model',
      temperature: 0,
      top_p: 0.9,
      max_tokens: 100,
      stop: ['</answer>'],
      seed: 7,
      presence_penalty: -1,
      frequency_penalty: 2,
    };
    const request = valid(
      line({ custom_id: 'q1', prompt: 'x', ...params }),
      2,
      resolveJobDefaults({ model: R1, max_tokens: 5, top_p: 0.5 }),
    );
    expect(request.customId).toBe('q1');
    expect(request.body).toEqual({ messages: [user('x')], ...params });
  });

  it('applies top_p and max_tokens defaults only when the line gives none', () => {
    const defaults = resolveJobDefaults({ model: 'd/m', temperature: 0.5, top_p: 0.7, max_tokens: 4096 });
    expect(valid(line({ prompt: 'x' }), 1, defaults).body).toEqual({
      model: 'd/m',
      messages: [user('x')],
      temperature: 0.5,
      top_p: 0.7,
      max_tokens: 4096,
    });
    expect(valid(line({ prompt: 'x' }), 1).body).not.toHaveProperty('max_tokens');
    expect(valid(line({ prompt: 'x' }), 1).body).not.toHaveProperty('top_p');
  });

  it('accepts messages and folds the system prompt into the first user turn by default', () => {
    const messages = [
      { role: 'system', content: 'Be terse.' },
      user('Q1'),
      { role: 'assistant', content: 'A1' },
      user('Q2'),
    ];
    expect(valid(line({ messages })).body.messages).toEqual([
      user('Be terse.\n\nQ1'),
      { role: 'assistant', content: 'A1' },
      user('Q2'),
    ]);
    const kept = valid(line({ messages }), 1, resolveJobDefaults({ model: R1, foldSystemPrompt: false }));
    expect(kept.body.messages).toEqual(messages);
  });

  it('drops stream, stream_options and n: 1, and never sets stream', () => {
    const body = valid(
      line({ prompt: 'x', stream: true, stream_options: { include_usage: true }, n: 1 }),
    ).body;
    expect(Object.keys(body).sort()).toEqual(['messages', 'model', 'temperature']);
  });

  it('strips a byte order mark', () => {
    expect(valid(`\uFEFF${line({ prompt: 'x' })}`).body.messages).toEqual([user('x')]);
  });
});

describe('normalizeInputLine: OpenAI Batch lines', () => {
  it('keeps the body parameters, any of them, and fills the defaults', () => {
    const request = valid(
      batchLine({
        messages: [user('hi')],
        logprobs: true,
        response_format: { type: 'text' },
        temperature: 1,
      }),
      9,
    );
    expect(request).toEqual({
      customId: 'b-1',
      line: 9,
      body: {
        model: 'deepseek-ai/deepseek-r1',
        messages: [user('hi')],
        temperature: 1,
        logprobs: true,
        response_format: { type: 'text' },
      },
    });
  });

  it('uses the body model, strips stream/stream_options/n and folds system messages', () => {
    const request = valid(
      batchLine({
        model: 'deepseek-reasoner',
        messages: [{ role: 'system', content: 'S' }, user('U')],
        stream: true,
        stream_options: { include_usage: true },
        n: 1,
      }),
    );
    expect(request.body).toEqual({
      model: 'deepseek-reasoner',
      messages: [user('S\n\nU')],
      temperature: 0.6,
    });
  });

  it('gives no default max_tokens beside max_completion_tokens', () => {
    const defaults = resolveJobDefaults({ model: R1, max_tokens: 4096 });
    const body = valid(batchLine({ messages: [user('x')], max_completion_tokens: 10 }), 1, defaults).body;
    expect(body).not.toHaveProperty('max_tokens');
    expect(body).toHaveProperty('max_completion_tokens', 10);
  });

  it.each([
    [
      { url: '/v1/embeddings' },
      'line 3: url "/v1/embeddings" is not supported (only /v1/chat/completions: thinkbatch runs chat completions)',
    ],
    [{ method: 'GET' }, 'line 3: method "GET" is not supported (only POST)'],
    [{ custom_id: undefined }, 'line 3: custom_id is required'],
    [{ extra: 1 }, 'line 3: unknown key "extra" (allowed: custom_id, method, url, body)'],
  ])('rejects %j', (override, message) => {
    const result = normalizeInputLine(batchLine({ messages: [user('x')] }, override), 3, DEFAULTS);
    expect(result).toMatchObject({ kind: 'invalid', error: { code: 'invalid_request', message } });
  });

  it('names every problem of the line', () => {
    const text = line({ custom_id: 'e', method: 'POST', url: '/v1/embeddings', body: { input: 'x' } });
    expect(invalid(text, 2).error.message).toBe(
      'line 2: url "/v1/embeddings" is not supported (only /v1/chat/completions: thinkbatch runs chat completions); body.messages is required',
    );
  });

  it.each([
    [[], 'line 1: body must be an object, got an array'],
    [
      { messages: [user('x')], n: 2 },
      'line 1: body.n 2 is not supported (one completion per line; repeat the line under another custom_id)',
    ],
    [
      { messages: [user('x')], temperature: 'hot' },
      'line 1: body.temperature must be a number between 0 and 2, got "hot"',
    ],
    [
      { messages: [{ role: 'developer', content: 'x' }, user('y')] },
      'line 1: body.messages[0].role "developer" is not supported (expected system, user or assistant)',
    ],
  ])('checks the body %j', (body, message) => {
    expect(invalid(batchLine(body)).error).toEqual({ code: 'invalid_request', message });
  });
});

describe('normalizeInputLine: errors', () => {
  it.each([
    ['nope', 'line 7: not valid JSON (Unexpected token \'o\', "nope" is not valid JSON)'],
    ['', 'line 7: not valid JSON (Unexpected end of JSON input)'],
    ['[1,2]', 'line 7: expected a JSON object, got an array'],
    ['null', 'line 7: expected a JSON object, got null'],
    ['"text"', 'line 7: expected a JSON object, got "text"'],
    ['42', 'line 7: expected a JSON object, got 42'],
  ])('%j is invalid_json', (text, message) => {
    expect(normalizeInputLine(text, 7, DEFAULTS)).toEqual({
      kind: 'invalid',
      customId: 'line-7',
      error: { code: 'invalid_json', message },
    });
  });

  it.each([
    [
      { custom_id: 'c', prompt: 'x', tempreature: 1 },
      'unknown key "tempreature" (allowed: custom_id, prompt, model, temperature, top_p, max_tokens, stop, seed, presence_penalty, frequency_penalty)',
    ],
    [
      { messages: [user('x')], foo: 1, bar: 2 },
      'unknown keys "foo", "bar" (allowed: custom_id, messages, model, temperature, top_p, max_tokens, stop, seed, presence_penalty, frequency_penalty)',
    ],
    [
      { custom_id: 'c' },
      'expected "prompt" or "messages" (simple line), or "custom_id", "method", "url" and "body" (OpenAI Batch line)',
    ],
    [{ prompt: 'x', messages: [user('x')] }, 'give either "prompt" or "messages", not both'],
    [{ prompt: '' }, 'prompt must be a non-empty string, got ""'],
    [{ prompt: ' \n ' }, 'prompt must be a non-empty string, got " \\n "'],
    [{ prompt: 5 }, 'prompt must be a non-empty string, got 5'],
    [{ messages: [] }, 'messages must not be empty'],
    [{ messages: 'hi' }, 'messages must be an array of messages, got "hi"'],
    [{ messages: [{ role: 'assistant', content: 'x' }] }, 'messages must contain at least one user message'],
    [{ messages: [{ role: 'system', content: 's' }] }, 'messages must contain at least one user message'],
    [
      { messages: [user('a'), user('b'), { role: 'tool', content: 'r' }] },
      'messages[2].role "tool" is not supported (expected system, user or assistant)',
    ],
    [
      { messages: [{ role: 'bob', content: 'x' }, user('y')] },
      'messages[0].role "bob" is not supported (expected system, user or assistant)',
    ],
    [{ messages: [{ content: 'x' }] }, 'messages[0].role is required'],
    [
      { messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] },
      'messages[0].content must be a string (R1 takes text only), got an array',
    ],
    [
      { messages: [{ role: 'user', content: 3 }] },
      'messages[0].content must be a string (R1 takes text only), got 3',
    ],
    [
      { messages: [{ role: 'user', content: null }] },
      'messages[0].content must be a string (R1 takes text only), got null',
    ],
    [{ messages: ['hi'] }, 'messages[0] must be an object, got "hi"'],
    [
      { messages: [{ role: 'user', content: 'x', name: 'n' }] },
      'messages[0] has unknown key "name" (allowed: role, content)',
    ],
    [{ prompt: 'x', custom_id: '' }, 'custom_id must be a non-empty string, got ""'],
    [{ prompt: 'x', custom_id: 12 }, 'custom_id must be a non-empty string, got 12'],
    [{ prompt: 'x', custom_id: 'y'.repeat(257) }, 'custom_id is 257 characters long (at most 256)'],
    [
      { prompt: 'x', n: 3 },
      'n 3 is not supported (one completion per line; repeat the line under another custom_id)',
    ],
    [{ prompt: 'x', stream: 'yes' }, 'stream must be a boolean, got "yes"'],
    [{ prompt: 'x', model: '' }, 'model must be a non-empty string, got ""'],
    [{ prompt: 'x', temperature: 2.5 }, 'temperature must be a number between 0 and 2, got 2.5'],
    [{ prompt: 'x', top_p: 0 }, 'top_p must be a number greater than 0 and at most 1, got 0'],
    [{ prompt: 'x', max_tokens: 0 }, 'max_tokens must be a positive integer, got 0'],
    [{ prompt: 'x', max_tokens: 1.5 }, 'max_tokens must be a positive integer, got 1.5'],
    [{ prompt: 'x', stop: 3 }, 'stop must be a string or an array of strings, got 3'],
    [
      { prompt: 'x', stop: ['a', 1] },
      'stop must be a string or an array of strings, got an array holding a non-string',
    ],
    [{ prompt: 'x', seed: 0.5 }, 'seed must be an integer, got 0.5'],
    [{ prompt: 'x', presence_penalty: -3 }, 'presence_penalty must be a number between -2 and 2, got -3'],
    [{ prompt: 'x', frequency_penalty: '1' }, 'frequency_penalty must be a number between -2 and 2, got "1"'],
  ])('%j is invalid_request', (value, message) => {
    expect(invalid(line(value), 5).error).toEqual({ code: 'invalid_request', message: `line 5: ${message}` });
  });

  it('lists at most five problems', () => {
    const text = line({ prompt: '', temperature: 9, top_p: 9, max_tokens: -1, seed: 0.1, stop: 1, model: 1 });
    const message = invalid(text).error.message;
    expect(message.split('; ')).toHaveLength(5);
    expect(message).toMatch(/^line 1: prompt must be a non-empty string, got ""; model must be/);
    expect(message).toMatch(/; max_tokens must be a positive integer, got -1 \(and 2 more\)$/);
  });

  it('cuts long strings out of messages', () => {
    const message = invalid(line({ prompt: 'x', model: 7, seed: 'z'.repeat(10_000) })).error.message;
    expect(message).toContain(`seed must be an integer, got "${'z'.repeat(40)}"… (10000 characters)`);
    expect(message.length).toBeLessThan(200);
  });

  it('reports the line custom_id when it can be read, else the default id', () => {
    expect(invalid(line({ custom_id: 'mine', prompt: '' })).customId).toBe('mine');
    expect(invalid(batchLine([], { custom_id: 'batch-id' })).customId).toBe('batch-id');
    expect(invalid(line({ custom_id: 5, prompt: 'x' }), 8).customId).toBe('line-8');
    expect(invalid(line({ custom_id: '', prompt: 'x' }), 8).customId).toBe('line-8');
    expect(invalid(line({ custom_id: 'y'.repeat(257), prompt: 'x' }), 8).customId).toBe('line-8');
    expect(invalid('{"custom_id":"a",', 8).customId).toBe('line-8');
  });

  it('throws on a line number that is not a positive integer (a bug)', () => {
    expect(() => normalizeInputLine('{}', 0, DEFAULTS)).toThrow(/positive integer, got 0/);
    expect(() => normalizeInputLine('{}', 1.5, DEFAULTS)).toThrow(/positive integer/);
  });

  it('defaultCustomId is line-<n>', () => {
    expect(defaultCustomId(12)).toBe('line-12');
  });
});

describe('normalizeInputLine: properties', () => {
  const key = fc.constantFrom(
    'custom_id',
    'prompt',
    'messages',
    'model',
    'temperature',
    'n',
    'stream',
    'body',
    'url',
    'x',
  );
  const value = fc.oneof(
    fc.jsonValue(),
    fc.array(
      fc.record({
        role: fc.constantFrom('system', 'user', 'assistant', 'tool'),
        content: fc.oneof(fc.string(), fc.integer()),
      }),
    ),
  );

  it('never throws on any JSON, and every outcome is well formed', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.dictionary(key, value)),
        fc.integer({ min: 1, max: 1e6 }),
        (json, lineNumber) => {
          const result = normalizeInputLine(JSON.stringify(json) ?? 'null', lineNumber, DEFAULTS);
          if (result.kind === 'valid') {
            expect(NormalizedRequest.parse(result.request)).toEqual(result.request);
            expect(result.request.body).not.toHaveProperty('stream');
            expect(result.request.body.messages.some((m) => m.role === 'system')).toBe(false);
          } else {
            expect(result.error.message.startsWith(`line ${lineNumber}: `)).toBe(true);
            expect(['invalid_json', 'invalid_request']).toContain(result.error.code);
            expect(result.customId.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('any non-blank prompt is valid', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
        (prompt) => {
          expect(valid(line({ prompt })).body.messages).toEqual([user(prompt)]);
        },
      ),
    );
  });
});

describe('normalizeInputLine: hostile shapes', () => {
  it('refuses a __proto__ key in a Batch body, which would otherwise become the request prototype', () => {
    const raw = `{"custom_id":"p","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"hi"}],"__proto__":{"max_tokens":7}}}`;
    const result = invalid(raw, 4);
    expect(result).toMatchObject({ customId: 'p', error: { code: 'invalid_request' } });
    expect(result.error.message).toBe('line 4: key "__proto__" is not allowed (at body.__proto__)');
  });

  it('refuses a body nested deeper than the limit, with its path', () => {
    const raw = `{"custom_id":"d","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"hi"}],"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    expect(invalid(raw, 2).error.message).toMatch(
      /^line 2: body\.x(\[0\])+ is nested deeper than 64 levels$/,
    );
  });
});

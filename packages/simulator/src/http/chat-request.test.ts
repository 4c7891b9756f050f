import { describe, expect, it } from 'vitest';
import { promptKey } from '../completion/prompt-key';
import { parseChatRequest } from './chat-request';

describe('parseChatRequest', () => {
  it('accepts a minimal body and reads stream, include_usage and max_tokens', () => {
    const parsed = parseChatRequest(
      JSON.stringify({
        model: 'm',
        messages: [
          { role: 'user', content: 'a' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'b' },
              { type: 'text', text: 'c' },
            ],
          },
        ],
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 7,
      }),
    );
    expect(parsed).toMatchObject({
      ok: true,
      request: { model: 'm', stream: true, includeUsage: true, maxTokens: 7, promptText: 'a\nbc' },
    });
    if (parsed.ok) {
      expect(parsed.request.promptKey).toBe(
        promptKey([
          { role: 'user', content: 'a' },
          { role: 'user', content: 'bc' },
        ]),
      );
    }
  });

  it('takes max_completion_tokens when max_tokens is absent', () => {
    const parsed = parseChatRequest(
      JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'a' }], max_completion_tokens: 3 }),
    );
    expect(parsed).toMatchObject({ ok: true, request: { maxTokens: 3, stream: false, includeUsage: false } });
  });

  it.each([
    ['not json', '{', 'invalid_json', null],
    ['an array', '[]', 'invalid_json', null],
    ['no model', '{"messages":[{"role":"user","content":"a"}]}', 'missing_required_parameter', 'model'],
    ['empty messages', '{"model":"m","messages":[]}', 'invalid_value', 'messages'],
    [
      'a message without content',
      '{"model":"m","messages":[{"role":"user"}]}',
      'invalid_value',
      'messages[0]',
    ],
    [
      'a bad max_tokens',
      '{"model":"m","messages":[{"role":"user","content":"a"}],"max_tokens":0}',
      'invalid_value',
      'max_tokens',
    ],
    [
      'a non-boolean stream',
      '{"model":"m","messages":[{"role":"user","content":"a"}],"stream":"yes"}',
      'invalid_type',
      'stream',
    ],
  ])('refuses %s', (_name, raw, code, param) => {
    const parsed = parseChatRequest(raw);
    expect(parsed).toMatchObject({ ok: false, problem: { code, param } });
  });
});

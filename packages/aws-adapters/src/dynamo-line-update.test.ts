import { describe, expect, it } from 'vitest';
import { lineUpdate } from './dynamo-line-update';

/** The update with placeholders replaced by names and values, for readable assertions. */
function resolved(update: ReturnType<typeof lineUpdate>): { update: string; condition: string } {
  const substitute = (expression: string): string =>
    expression
      .replace(/#n\d+/g, (p) => update.ExpressionAttributeNames[p] ?? p)
      .replace(/:v\d+/g, (p) => {
        const value = update.ExpressionAttributeValues?.[p];
        return value?.N ?? (value?.M === undefined ? p : 'MAP');
      });
  return { update: substitute(update.UpdateExpression), condition: substitute(update.ConditionExpression) };
}

describe('lineUpdate', () => {
  it('records the line and adds what the counting rule says, counter by counter, in one update', () => {
    const { update, condition } = resolved(
      lineUpdate({
        line: 12,
        status: 'failed',
        resultKey: 'k',
        attempts: 3,
        usage: {
          prompt_tokens: 5,
          completion_tokens: 6,
          total_tokens: 11,
          reasoning_tokens: null,
          cached_prompt_tokens: 0,
          estimated_reasoning_tokens: null,
        },
      }),
    );
    expect(update).toBe(
      'SET recorded.12 = MAP REMOVE leases.12 ADD c_failed 1, c_attempts 3, c_retries 2, u_lines_with_usage 1, u_prompt_tokens 5, ' +
        'u_completion_tokens 6, u_total_tokens 11, unk_reasoning_tokens 1, unk_estimated_reasoning_tokens 1',
    );
    expect(condition).toBe(
      'attribute_exists(pk) AND contains(lineSet, 12) AND attribute_not_exists(recorded.12)',
    );
  });

  it('adds only the status for a line without attempts or usage (no ADD of 0, no negative retries)', () => {
    const { update } = resolved(
      lineUpdate({ line: 1, status: 'expired', resultKey: 'k', attempts: 0, usage: null }),
    );
    expect(update).toBe('SET recorded.1 = MAP REMOVE leases.1 ADD c_expired 1');
  });

  it('refuses counts that are not non-negative safe integers', () => {
    expect(() =>
      lineUpdate({ line: 1, status: 'succeeded', resultKey: 'k', attempts: -1, usage: null }),
    ).toThrow(expect.objectContaining({ name: 'ThinkbatchError', code: 'invalid_value' }));
    const usage = {
      prompt_tokens: 1.5,
      completion_tokens: 1,
      total_tokens: 1,
      reasoning_tokens: null,
      cached_prompt_tokens: null,
      estimated_reasoning_tokens: null,
    };
    expect(() => lineUpdate({ line: 1, status: 'succeeded', resultKey: 'k', attempts: 1, usage })).toThrow(
      /prompt_tokens must be a non-negative safe integer/,
    );
  });
});

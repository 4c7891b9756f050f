import { describe, expect, it } from 'vitest';
import type { ResultLine } from '../results/result-line';
import { PipelineError } from './pipeline-error';
import { readResultBatch } from './result-file-batch';

const result = (line: number, extra: Record<string, unknown> = {}): ResultLine & Record<string, unknown> => ({
  custom_id: `c${line}`,
  line,
  status: line % 2 === 0 ? 'failed' : 'succeeded',
  reasoning: 'r',
  answer: 'é🙂',
  finish_reason: 'stop',
  usage: {
    prompt_tokens: 1,
    completion_tokens: 2,
    total_tokens: 3,
    reasoning_tokens: null,
    cached_prompt_tokens: null,
    estimated_reasoning_tokens: 1,
  },
  attempts: 1,
  latency_ms: 5,
  model: 'm',
  request_id: null,
  error: line % 2 === 0 ? { code: 'endpoint_rejected', message: 'no', http_status: 400 } : null,
  ...extra,
});
const texts = [1, 2, 3].map((line) => JSON.stringify(result(line)));
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('readResultBatch', () => {
  it('keeps a plain file as it is, with its lines parsed', async () => {
    const body = bytes(`${texts.join('\n')}\n`);
    const batch = await readResultBatch(body, 'job', 'k');
    expect(batch.bytes).toBe(body);
    expect(batch.lines).toEqual(texts.map((text, i) => ({ text, result: result(i + 1) })));
  });

  it('reads a file that is not plain line by line, to the same lines, and copies none of its bytes', async () => {
    const expected = texts.map((text, i) => ({ text, result: result(i + 1) }));
    for (const text of [
      texts.join('\r\n'),
      `${texts.join('\n')}`,
      `${texts[0]}\n\n${texts[1]}\n  \n${texts[2]}\n`,
      `\uFEFF${texts.join('\n')}\n`,
    ]) {
      const batch = await readResultBatch(bytes(text), 'job', 'k');
      expect(batch.bytes).toBeNull();
      expect(batch.lines).toEqual(expected);
    }
  });

  it('reads a key the schema drops as the schema does, and keeps the line as stored', async () => {
    const text = JSON.stringify(result(1, { extra: true }));
    const batch = await readResultBatch(bytes(`${text}\n`), 'job', 'k');
    expect(batch.lines).toEqual([{ text, result: result(1) }]);
    expect(batch.bytes).not.toBeNull();
  });

  it('throws the schema error, with the line, for a line that is not a ResultLine', async () => {
    const body = bytes(`${texts[0]}\n${JSON.stringify({ ...result(2), attempts: -1 })}\n`);
    const failure = await readResultBatch(body, 'job', 'k').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PipelineError);
    expect(String(failure)).toContain('result line 2 of k');
    expect(String(failure)).toContain('attempts');
  });
});

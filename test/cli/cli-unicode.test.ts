import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ResultLine } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { thinkbatch, useTempDir } from './cli-process';

const DEL = '\u007F';
const RAW_FFFE = '\uFFFE';
const RAW_FFFF = '\uFFFF';

/**
 * Input lines as they stand in the file (JSON text): raw UTF-8 emoji, CJK and noncharacters, the same
 * written as `\u` escapes, lone surrogates (only expressible as escapes), C0 controls and DEL, Unicode
 * line separators, a 256-unit custom_id, both input formats and a line without a custom_id.
 */
const LINES = [
  '{"custom_id":"unicode-😀-漢字","prompt":"What is 6*7? 😀 漢字"}',
  `{"custom_id":"raw-nonchars-${RAW_FFFE}${RAW_FFFF}","prompt":"raw ${RAW_FFFF} and ${RAW_FFFE}"}`,
  '{"custom_id":"escaped-nonchars-\\ufffe\\uffff","messages":[{"role":"user","content":"escaped \\uffff"}]}',
  '{"custom_id":"lone-\\ud800-\\udfff","prompt":"lone \\udfff then \\ud800"}',
  '{"custom_id":"\\udfff\\ud800","prompt":"a reversed pair \\udfff\\ud800 is two lone halves"}',
  `{"custom_id":"ctl-\\u0001-\\u001f-\\u007f-${DEL}","prompt":"controls \\u0001\\u001f${DEL} in a prompt"}`,
  `{"custom_id":"${'😀'.repeat(100)}${'\\uffff'.repeat(56)}","prompt":"long id ${'😀'.repeat(50)}"}`,
  '{"custom_id":"batch-😀-\\ud800","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"batch 漢字 \\uffff \\ud800"}]}}',
  '{"prompt":"no custom_id here 😀 \\uffff \\udfff"}',
  '{"custom_id":"separators-\\u2028\\u2029\\u0085-\\t","prompt":"separators \\u2028\\u2029\\u0085"}',
];

/** What each line's custom_id is once parsed (`line-<n>` for a line that gives none). */
const EXPECTED_IDS = LINES.map((text, i) => {
  const id = (JSON.parse(text) as { custom_id?: string }).custom_id;
  return id ?? `line-${i + 1}`;
});

/** Escaped JSON of a list of strings: a lone surrogate turned into U+FFFD shows as a difference. */
const exactly = (ids: readonly string[]): string => JSON.stringify(ids);

const jsonLines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);

describe('thinkbatch run with custom ids and prompts holding any characters', () => {
  const tmp = useTempDir('thinkbatch-cli-unicode-');

  it('completes the job with one result per line, in order, each custom_id exactly as given', async () => {
    expect(EXPECTED_IDS[6]).toHaveLength(256);
    expect(EXPECTED_IDS[3]).toBe('lone-\uD800-\uDFFF');
    const input = join(tmp.path, 'unicode.jsonl');
    await writeFile(input, `${LINES.join('\n')}\n`, 'utf8');
    const out = join(tmp.path, 'out');

    const result = await thinkbatch(['run', input, '--simulate', '--out', out]);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/completed/);

    const results = jsonLines(await readFile(join(out, 'results.jsonl'), 'utf8')).map((line) =>
      ResultLine.parse(line),
    );
    expect(results.map((r) => r.line)).toEqual(LINES.map((_, i) => i + 1));
    expect(exactly(results.map((r) => r.custom_id))).toBe(exactly(EXPECTED_IDS));
    expect(results.map((r) => r.status)).toEqual(LINES.map(() => 'succeeded'));
    expect(results[0]?.reasoning).toContain('What is 6*7? 😀 漢字');
    expect(await readFile(join(out, 'errors.jsonl'), 'utf8')).toBe('');
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.counts).toMatchObject({ total: LINES.length, succeeded: LINES.length, failed: 0 });
    // Every log line is still one JSON object.
    expect(jsonLines(await readFile(join(out, 'run.log'), 'utf8')).length).toBeGreaterThan(0);
  });
});

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, thinkbatch, useTempDir } from './cli-process';

const temp = useTempDir('thinkbatch-cli-label-');

const readJsonl = async (path: string) =>
  (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('thinkbatch label run', () => {
  it('labels the example dataset with --simulate, then reuses every row from the cache in --data-dir', async () => {
    const dataDir = join(temp.path, 'data');
    const first = await thinkbatch([
      'label',
      'run',
      'examples/labelling/task.json',
      '--simulate',
      '--out',
      join(temp.path, 'first'),
      '--data-dir',
      dataDir,
    ]);
    expect(first.stderr).not.toMatch(/failed/);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(join(temp.path, 'first', 'labelled.jsonl'));
    const report = JSON.parse(await readFile(join(temp.path, 'first', 'report.json'), 'utf8'));
    expect(report).toMatchObject({ task_id: 'review-sentiment', rows_seen: 12, rows_reused: 0 });
    expect(report.rows_labelled + report.rows_invalid).toBe(12);
    const rows = await readJsonl(join(temp.path, 'first', 'labelled.jsonl'));
    const dataset = [
      ...(await readJsonl(join(root, 'examples/labelling/reviews/2026-11-28.jsonl'))),
      ...(await readJsonl(join(root, 'examples/labelling/reviews/2026-11-29.jsonl'))),
    ];
    expect(rows.map((row) => row['id'])).toEqual(dataset.map((row) => row['id']));
    for (const row of rows)
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining(['label', 'agreement', 'reasoning', 'answers', 'label_error']),
      );

    const second = await thinkbatch([
      'label',
      'run',
      'examples/labelling/task.json',
      '--simulate',
      '--out',
      join(temp.path, 'second'),
      '--data-dir',
      dataDir,
    ]);
    expect(second.code).toBe(0);
    const again = JSON.parse(await readFile(join(temp.path, 'second', 'report.json'), 'utf8'));
    expect(again).toMatchObject({ rows_seen: 12, rows_reused: 12, rows_labelled: 0, jobs: [] });
    expect(again.tokens.total).toBe(0);
    const reused = await readJsonl(join(temp.path, 'second', 'labelled.jsonl'));
    expect(reused.map((row) => row['label'])).toEqual(rows.map((row) => row['label']));
  });

  it('refuses a task whose template cannot be compiled, saying where, before starting anything', async () => {
    const task = JSON.parse(await readFile(join(root, 'examples/labelling/task.json'), 'utf8'));
    const path = join(temp.path, 'bad-task.json');
    await writeFile(path, JSON.stringify({ ...task, prompt: { template: 'Review {{text' } }));
    const result = await thinkbatch(['label', 'run', path, '--simulate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"{{" at character 7 is never closed');
  });
});

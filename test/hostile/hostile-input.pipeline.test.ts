import type { ResultLine } from '@thinkbatch/core';
import { createPipelineHarness, type PipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { HOSTILE_CASES, type HostileCase } from './hostile-cases';

/** Small limits, so each limit is reached by a small file. */
const CONFIG = {
  linesPerChunk: 5,
  maxLineBytes: 4096,
  maxDecompressedBytes: 1024 * 1024,
  maxChunksPerJob: 20,
} as const;

async function run(h: PipelineHarness, hostile: HostileCase, name: string) {
  const key = `inputs/${name}${hostile.suffix ?? '.jsonl'}`;
  await h.input.put(key, hostile.body, hostile.metadata ? { metadata: hostile.metadata } : {});
  const { startJob } = await import('@thinkbatch/core');
  const started = await startJob(h.deps, { bucket: h.input.bucket, key, sequencer: name });
  if (started.kind !== 'started') throw new Error(`no job started: ${started.reason}`);
  await h.drain();
  const job = await h.jobs.getJob(started.job.jobId);
  if (job === null) throw new Error('the job vanished');
  return { key, job, results: await h.results(job.jobId) };
}

describe('hostile input through the pipeline: a clear error for each, nothing crashes, valid lines run', () => {
  it.each(HOSTILE_CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, hostile, index) => {
    const h = createPipelineHarness({ config: CONFIG });
    const { key, job, results } = await run(h, hostile, `case-${index}`);

    // Nothing written outside the job's prefix; the input bucket holds the upload alone.
    expect(h.output.keys().filter((k) => !k.startsWith(`jobs/${job.jobId}/`))).toEqual([]);
    expect(h.input.keys()).toEqual([key]);
    // A finished job leaves its outputs and nothing else (no decompressed copy, no per-line objects).
    expect(h.output.keys().map((k) => k.slice(`jobs/${job.jobId}/`.length))).toEqual([
      'errors.jsonl',
      'results.jsonl',
      'summary.json',
    ]);

    if ('job' in hostile.expected) {
      expect(job.status).toBe('failed');
      expect(job.error?.code).toBe(hostile.expected.job.code);
      expect(job.error?.message).toMatch(hostile.expected.job.message);
      expect(h.model.calls).toHaveLength(0);
      expect(results).toEqual([]);
      return;
    }
    const expected = hostile.expected.lines;
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(results).toHaveLength(expected.length);
    expect(results.map((r) => r.line)).toEqual([...results.map((r) => r.line)].sort((a, b) => a - b));
    results.forEach((result: ResultLine, i) => {
      const want = expected[i];
      if (want === 'ok') {
        expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
        return;
      }
      expect(result.status).toBe('failed');
      expect(result.error?.code).toBe(want?.code);
      expect(result.error?.message).toMatch(want?.message ?? /never/);
      expect(result.attempts).toBe(0);
    });
    // Each valid line was called once; no invalid one reached the endpoint.
    expect(h.model.calls).toHaveLength(expected.filter((e) => e === 'ok').length);
  });

  it('keeps custom_ids with ../ and control characters as data, exactly', async () => {
    const hostile = HOSTILE_CASES.find((c) => c.name.startsWith('custom_ids'));
    if (hostile === undefined) throw new Error('case missing');
    const h = createPipelineHarness({ config: CONFIG });
    const { results } = await run(h, hostile, 'ids');
    expect(results.map((r) => r.custom_id)).toEqual([
      '../../../etc/passwd',
      '/jobs/other-job/results.jsonl',
      'ctl\u0000\n\r\u001b[31m\u007f',
    ]);
  });

  it('fans out 200,000 tiny lines into chunks, every line in one work item (no call made yet)', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 50 } });
    const lines = 200_000;
    const started = performance.now();
    const job = await h.upload('tiny.jsonl', '{"prompt":"x"}\n'.repeat(lines));
    const seconds = (performance.now() - started) / 1000;
    expect(job).toMatchObject({ status: 'queued', linesTotal: lines, chunksTotal: lines / 50 });
    const sent = h.queue.sent.flatMap(({ message }) => (message.type === 'run_chunk' ? message.lines : []));
    expect(sent).toHaveLength(lines);
    expect(sent.at(-1)).toMatchObject({ line: lines, customId: `line-${lines}` });
    expect(seconds).toBeLessThan(60);
  }, 120_000);
});

import { createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { WorkMessage } from '../job/work-message';
import type { WorkQueue } from '../ports/work-queue';
import { handleDeadLetter } from './dead-letter';
import { FAN_OUT_WINDOW_CHUNKS } from './fan-out-window';
import { startJob } from './start-job';
import { sweepStalledJobs } from './sweep-stalled-jobs';

const LINES = 250;
const input = (): string =>
  Array.from({ length: LINES }, (_, i) =>
    i === 120 ? '{broken' : JSON.stringify({ prompt: `q${i + 1}` }),
  ).join('\n');

describe('fan-out past its deadline', () => {
  it('hands on from its checkpoint: every chunk sent once, every line run once, one result each', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 1 } });
    await h.input.put('inputs/long.jsonl', input());
    // Each send takes 10 s of the fan-out's clock: the first window (10 sends) outlives a 60 s invocation.
    const slowQueue: WorkQueue = {
      send: async (messages, options) => {
        h.clock.advance(10_000);
        await h.queue.send(messages, options);
      },
    };
    const event = { bucket: h.input.bucket, key: 'inputs/long.jsonl', sequencer: 'seq-long' };
    const started = await startJob({ ...h.deps, queue: slowQueue }, event, {
      deadline: h.clock.now() + 60_000,
    });
    if (started.kind !== 'started') throw new Error('not started');
    const { jobId } = started.job;
    expect(started.fanOut).toEqual({ kind: 'continued', chunks: FAN_OUT_WINDOW_CHUNKS, continuations: 1 });
    expect(await h.jobs.getFanOutCheckpoint(jobId)).toBe(FAN_OUT_WINDOW_CHUNKS);
    expect((await h.jobs.getJob(jobId))?.chunksTotal).toBeNull();

    const sent: WorkMessage[] = [];
    await h.drain({ beforeEach: (message) => void sent.push(message) });
    const runChunks = sent.flatMap((m) => (m.type === 'run_chunk' ? [m.chunk] : []));
    expect(sent.filter((m) => m.type === 'continue_fan_out')).toEqual([
      { type: 'continue_fan_out', jobId, continuations: 1 },
    ]);
    // Chunk 120 holds only the broken line: recorded at fan-out, no work item.
    const expected = Array.from({ length: LINES }, (_, i) => i).filter((i) => i !== 120);
    expect([...runChunks].sort((a, b) => a - b)).toEqual(expected);
    expect((await h.jobs.getJob(jobId))?.status).toBe('completed');
    const results = await h.results(jobId);
    expect(results.map((r) => r.line)).toEqual(Array.from({ length: LINES }, (_, i) => i + 1));
    expect(results.filter((r) => r.status === 'failed').map((r) => r.line)).toEqual([121]);
    expect(h.model.calls).toHaveLength(LINES - 1);
  });

  it('a dead-lettered continuation is resumed by the sweeper from the checkpoint, nothing sent twice', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 1 } });
    await h.input.put('inputs/lost.jsonl', input());
    const slowQueue: WorkQueue = {
      send: async (messages, options) => {
        h.clock.advance(10_000);
        await h.queue.send(messages, options);
      },
    };
    const event = { bucket: h.input.bucket, key: 'inputs/lost.jsonl', sequencer: 'seq-lost' };
    const started = await startJob({ ...h.deps, queue: slowQueue }, event, {
      deadline: h.clock.now() + 60_000,
    });
    if (started.kind !== 'started') throw new Error('not started');
    const { jobId } = started.job;
    // The continuation dead-letters; the first window's work items stay queued.
    const first = h.queue.drain();
    for (const { message } of first)
      if (message.type === 'continue_fan_out') await handleDeadLetter(h.deps, message, 5);
    await h.queue.send(first.map((m) => m.message).filter((m) => m.type === 'run_chunk'));
    const sent: WorkMessage[] = [];
    expect((await h.jobs.getJob(jobId))?.status).not.toBe('failed');
    h.clock.advance(21 * 60_000);
    expect(await sweepStalledJobs(h.deps, h.clock.now())).toMatchObject({ resumed: [jobId] });
    await h.drain({ beforeEach: (message) => void sent.push(message) });
    const runChunks = sent.flatMap((m) => (m.type === 'run_chunk' ? [m.chunk] : []));
    expect([...runChunks].sort((a, b) => a - b)).toEqual(
      Array.from({ length: LINES }, (_, i) => i).filter((i) => i !== 120),
    );
    expect((await h.jobs.getJob(jobId))?.status).toBe('completed');
    expect(h.model.calls).toHaveLength(LINES - 1);
  });

  it('fails the job after maxHandoffs hand-ons instead of looping', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 1, maxHandoffs: 1 } });
    await h.input.put('inputs/stuck.jsonl', input());
    const slowQueue: WorkQueue = {
      send: async (messages, options) => {
        h.clock.advance(10_000);
        await h.queue.send(messages, options);
      },
    };
    const event = { bucket: h.input.bucket, key: 'inputs/stuck.jsonl', sequencer: 'seq-stuck' };
    const first = await startJob({ ...h.deps, queue: slowQueue }, event, {
      deadline: h.clock.now() + 60_000,
      continuations: 1,
    });
    if (first.kind !== 'started') throw new Error('not started');
    expect(first.fanOut.kind).toBe('failed');
    expect(await h.jobs.getJob(first.job.jobId)).toMatchObject({
      status: 'failed',
      error: { code: 'fan_out_failed' },
    });
  });
});

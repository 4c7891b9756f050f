import { createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { WorkQueue } from '../ports/work-queue';
import { continueFanOut, type FanOutOutcome, fanOut } from './fan-out';
import { FAN_OUT_LEASE_MS, FAN_OUT_WINDOW_CHUNKS } from './fan-out-window';
import { startJob } from './start-job';

const LINES = 230;
const input = (): string =>
  Array.from({ length: LINES }, (_, i) => JSON.stringify({ prompt: `q${i + 1}` })).join('\n');

describe('fan-out under its lease', () => {
  it('a re-run after a death mid-window keeps what the batch-created chunks recorded, and loses no chunk', async () => {
    // The in-memory store refuses to overwrite a chunk in putNewChunks: a re-run that did would throw.
    const h = createPipelineHarness({ config: { linesPerChunk: 1 } });
    await h.input.put('inputs/die.jsonl', input());
    let sends = 0;
    const dyingQueue: WorkQueue = {
      send: async (messages, options) => {
        sends += 1;
        if (sends === 12) throw new Error('fan-out killed mid-window');
        await h.queue.send(messages, options);
      },
    };
    const event = { bucket: h.input.bucket, key: 'inputs/die.jsonl', sequencer: 'seq-die' };
    await expect(startJob({ ...h.deps, queue: dyingQueue }, event)).rejects.toThrow('killed');
    const jobId = (await h.jobs.listUnfinishedJobs()[Symbol.asyncIterator]().next()).value?.jobId ?? '';
    expect(await h.jobs.getFanOutCheckpoint(jobId)).toBe(FAN_OUT_WINDOW_CHUNKS);
    // The second window's chunks were created in a batch; a worker records a line of one meanwhile.
    const recordedLine = FAN_OUT_WINDOW_CHUNKS + 5 + 1;
    const record = {
      line: recordedLine,
      status: 'succeeded',
      resultKey: 'r/x',
      usage: null,
      attempts: 1,
    } as const;
    expect((await h.jobs.recordLine(jobId, FAN_OUT_WINDOW_CHUNKS + 5, record)).recorded).toBe(true);

    const rerun = await startJob(h.deps, event);
    expect(rerun.kind === 'started' && rerun.fanOut).toEqual({
      kind: 'fanned_out',
      chunks: LINES,
      lines: LINES,
      invalid: 0,
    });
    const chunk = await h.jobs.getChunk(jobId, FAN_OUT_WINDOW_CHUNKS + 5);
    expect(chunk?.recorded[String(recordedLine)]).toMatchObject({
      status: 'succeeded',
      resultKey: 'r/x',
    });
    const indexes: number[] = [];
    for await (const c of h.jobs.listChunks(jobId)) indexes.push(c.index);
    expect(indexes).toEqual(Array.from({ length: LINES }, (_, i) => i));
  });

  it('writes with a condition the chunks a fan-out of an older version left (no reserved mark)', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 10 } });
    await h.input.put('inputs/old.jsonl', input());
    const info = await h.input.head('inputs/old.jsonl');
    if (info === null) throw new Error('no input');
    const jobId = 'job_older_fan_out';
    const input_ = { bucket: h.input.bucket, key: 'inputs/old.jsonl', etag: info.etag, size: info.size };
    const { job } = await h.jobs.createJob({ jobId, input: input_, options: {}, now: h.clock.now() });
    // As an older fan-out left it, dying in its first window: chunks (one with a recorded line), no mark.
    for (let index = 0; index < 3; index += 1)
      await h.jobs.putChunk(
        jobId,
        index,
        Array.from({ length: 10 }, (_, i) => index * 10 + i + 1),
      );
    const record = { line: 12, status: 'succeeded', resultKey: 'r/12', usage: null, attempts: 1 } as const;
    await h.jobs.recordLine(jobId, 1, record);

    expect(await fanOut(h.deps, job)).toEqual({ kind: 'fanned_out', chunks: 23, lines: LINES, invalid: 0 });
    expect((await h.jobs.getChunk(jobId, 1))?.recorded['12']).toMatchObject({ resultKey: 'r/12' });
  });

  it('gives its lease back before it hands on, so a continuation that starts at once runs', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 1 } });
    await h.input.put('inputs/handoff.jsonl', input());
    const continued: FanOutOutcome[] = [];
    // Each send takes 100 ms of the clock (the first window outlives a 1 s invocation, not the lease); a
    // continuation is run the moment it is sent, inside the send, before the handing-on run returns.
    const eagerQueue: WorkQueue = {
      send: async (messages, options) => {
        h.clock.advance(100);
        for (const message of messages)
          if (message.type === 'continue_fan_out')
            continued.push(
              await continueFanOut(h.deps, message.jobId, { continuations: message.continuations }),
            );
        await h.queue.send(messages, options);
      },
    };
    const event = { bucket: h.input.bucket, key: 'inputs/handoff.jsonl', sequencer: 'seq-handoff' };
    const started = await startJob({ ...h.deps, queue: eagerQueue }, event, {
      deadline: h.clock.now() + 1_000,
    });
    expect(started.kind === 'started' && started.fanOut.kind).toBe('continued');
    expect(continued).toEqual([{ kind: 'fanned_out', chunks: LINES, lines: LINES, invalid: 0 }]);
  });

  it('is skipped while another run holds the lease, and runs once that lease runs out', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 10 } });
    await h.input.put('inputs/two.jsonl', input());
    const event = { bucket: h.input.bucket, key: 'inputs/two.jsonl', sequencer: 'seq-two' };
    const deadQueue: WorkQueue = {
      send: async () => {
        throw new Error('fan-out killed at its first send');
      },
    };
    await expect(startJob({ ...h.deps, queue: deadQueue }, event)).rejects.toThrow('killed');
    const jobId = (await h.jobs.listUnfinishedJobs()[Symbol.asyncIterator]().next()).value?.jobId ?? '';
    const other = { holder: 'other-run', until: h.clock.now() + FAN_OUT_LEASE_MS, now: h.clock.now() };
    expect(await h.jobs.acquireFanOutLease(jobId, other)).not.toBeNull();

    const skipped = await startJob(h.deps, event);
    expect(skipped.kind === 'started' && skipped.fanOut.kind).toBe('skipped');
    expect(await h.jobs.getFanOutCheckpoint(jobId)).toBe(0);
    expect(await h.drain()).toBe(0);

    h.clock.advance(FAN_OUT_LEASE_MS + 1);
    const ran = await startJob(h.deps, event);
    expect(ran.kind === 'started' && ran.fanOut).toEqual({
      kind: 'fanned_out',
      chunks: 23,
      lines: LINES,
      invalid: 0,
    });
    await h.drain();
    expect((await h.results(jobId)).map((r) => r.line)).toEqual(
      Array.from({ length: LINES }, (_, i) => i + 1),
    );
  });
});

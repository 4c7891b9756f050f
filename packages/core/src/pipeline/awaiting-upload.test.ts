import { createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { AWAITING_UPLOAD_ETAG } from '../job/job';
import { startJob, UPLOAD_METADATA } from './start-job';
import { sweepStalledJobs } from './sweep-stalled-jobs';

const lines = [JSON.stringify({ prompt: 'a' }), JSON.stringify({ prompt: 'b' })].join('\n');

/** A job created before its file, as the API creates it: input awaiting its upload at `inputs/<id>.jsonl`. */
async function createAwaiting(h: ReturnType<typeof createPipelineHarness>, jobId: string) {
  const key = `inputs/${jobId}.jsonl`;
  await h.jobs.createJob({
    jobId,
    input: { bucket: h.input.bucket, key, etag: AWAITING_UPLOAD_ETAG, size: 0 },
    options: { temperature: 0.2 },
    now: h.clock.now(),
    metadata: { by: 'api' },
  });
  return key;
}

describe('jobs created before their upload', () => {
  it('start when the upload they await arrives: its version is pinned, the stored options used', async () => {
    const h = createPipelineHarness();
    const key = await createAwaiting(h, 'early-1');
    await h.input.put(key, lines, { metadata: { [UPLOAD_METADATA.jobId]: 'early-1' } });
    const outcome = await startJob(h.deps, { bucket: h.input.bucket, key, sequencer: 's1' });
    expect(outcome).toMatchObject({ kind: 'started', fanOut: { kind: 'fanned_out', lines: 2 } });
    const info = await h.input.head(key);
    const job = await h.jobs.getJob('early-1');
    expect(job?.input).toEqual({ bucket: h.input.bucket, key, etag: info?.etag, size: info?.size });
    expect(job).toMatchObject({ options: { temperature: 0.2 }, metadata: { by: 'api' } });
    await h.drain();
    expect(h.model.calls.map((call) => call.body.temperature)).toEqual([0.2, 0.2]);
    expect((await h.results('early-1')).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('ignore an upload naming them from another key', async () => {
    const h = createPipelineHarness();
    await createAwaiting(h, 'early-2');
    await h.input.put('inputs/elsewhere.jsonl', lines, { metadata: { [UPLOAD_METADATA.jobId]: 'early-2' } });
    const outcome = await startJob(h.deps, { bucket: h.input.bucket, key: 'inputs/elsewhere.jsonl' });
    expect(outcome).toEqual({
      kind: 'ignored',
      reason: 'job early-2 awaits its upload at inputs/early-2.jsonl, not inputs/elsewhere.jsonl',
    });
    expect((await h.jobs.getJob('early-2'))?.input.etag).toBe(AWAITING_UPLOAD_ETAG);
    expect(h.queue.sent).toEqual([]);
  });

  it('fail input_missing when the sweeper finds them stalled and never uploaded', async () => {
    const h = createPipelineHarness();
    await createAwaiting(h, 'early-3');
    h.clock.advance(h.deps.config.fanOutStalledAfterMs + 1);
    expect(await sweepStalledJobs(h.deps, h.clock.now())).toMatchObject({ resumed: ['early-3'] });
    const job = await h.jobs.getJob('early-3');
    expect(job).toMatchObject({ status: 'failed', error: { code: 'input_missing' } });
    expect(job?.error?.message).toMatch(/was never uploaded/);
  });

  it('run from the object that is there when the sweeper resumes them after a lost upload event', async () => {
    const h = createPipelineHarness();
    const key = await createAwaiting(h, 'early-4');
    await h.input.put(key, lines);
    h.clock.advance(h.deps.config.fanOutStalledAfterMs + 1);
    await sweepStalledJobs(h.deps, h.clock.now());
    expect((await h.jobs.getJob('early-4'))?.input.etag).toBe((await h.input.head(key))?.etag);
    await h.drain();
    expect((await h.jobs.getJob('early-4'))?.status).toBe('completed');
  });
});

import { createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { startJob } from './start-job';

describe('startJob with an event of an overwritten upload', () => {
  it('ignores the late event of the older upload, so the newer bytes run once', async () => {
    const h = createPipelineHarness();
    const key = 'inputs/overwritten.jsonl';
    await h.input.put(key, '{"prompt":"old"}\n');
    const olderEtag = (await h.input.head(key))?.etag ?? '';
    await h.input.put(key, '{"prompt":"new"}\n');
    const newerEtag = (await h.input.head(key))?.etag ?? '';
    expect(newerEtag).not.toBe(olderEtag);
    const bucket = h.input.bucket;

    const newer = await startJob(h.deps, { bucket, key, sequencer: 's2', etag: newerEtag.replace(/"/g, '') });
    const older = await startJob(h.deps, { bucket, key, sequencer: 's1', etag: olderEtag.replace(/"/g, '') });
    expect(newer.kind).toBe('started');
    expect(older).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('overwritten') });
    await h.drain();
    expect(h.model.callsFor('new')).toBe(1);
    expect(h.model.callsFor('old')).toBe(0);
  });

  it('still resumes the job an earlier copy of the same event created before the overwrite', async () => {
    const h = createPipelineHarness();
    const key = 'inputs/resumed.jsonl';
    await h.input.put(key, '{"prompt":"p"}\n', { metadata: { 'thinkbatch-job-id': 'job_resumed' } });
    const etag = (await h.input.head(key))?.etag ?? '';
    await h.jobs.createJob({
      jobId: 'job_resumed',
      input: { bucket: h.input.bucket, key, etag, size: 15 },
      options: {},
      now: h.clock.now(),
    });
    await h.input.put(key, '{"prompt":"q"}\n', { metadata: { 'thinkbatch-job-id': 'job_resumed' } });
    const outcome = await startJob(h.deps, { bucket: h.input.bucket, key, sequencer: 's1', etag });
    // Not ignored as superseded: the job exists, and its own pin finds the input changed.
    expect(outcome).toMatchObject({ kind: 'started', fanOut: { kind: 'failed' } });
  });
});

import { LOCAL_SIMULATOR_LIMITS } from '@thinkbatch/core';
import { type LocalRuntime, startLocalRuntime } from '@thinkbatch/local';
import { createFakeModelClient, createRecordingLogger, readResultsFile } from '@thinkbatch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const model = createFakeModelClient();
const log = createRecordingLogger();
let runtime: LocalRuntime;
/** Fan-out invocations that found or made a job (each delivered copy of its event is one). */
const FAN_OUT_ENDS = new Set(['fan-out done', 'duplicate upload event; job already fanned out']);
const fanOutsOf = (jobId: string): number =>
  log.entries.filter((e) => FAN_OUT_ENDS.has(e.message) && e.fields?.['jobId'] === jobId).length;

beforeAll(async () => {
  runtime = await startLocalRuntime({
    model,
    endpoint: { baseURL: 'http://127.0.0.1:9/v1', apiKey: null, limits: LOCAL_SIMULATOR_LIMITS },
    log,
    config: { linesPerChunk: 2 },
    sweeper: false,
  });
});
afterAll(async () => {
  await runtime?.stop();
});

const lines = (prefix: string, n: number): string =>
  `${Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `${prefix} ${i}` })).join('\n')}\n`;

describe('the local runtime delivers duplicate and late S3 events on request', { timeout: 60_000 }, () => {
  it('runs one job, each line once, for an event delivered three times at once', async () => {
    const jobId = await runtime.submit(lines('dup', 5), { delivery: { copies: 3 } });
    const job = await runtime.waitForJob(jobId, { timeoutMs: 30_000 });
    expect(job.status).toBe('completed');
    const results = await readResultsFile(runtime.deps.output, job);
    expect(results.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 0; i < 5; i += 1) expect(model.callsFor(`dup ${i}`)).toBe(1);
    expect(fanOutsOf(jobId)).toBe(3);
  });

  it('holds a late event back: the object exists, the job only once the event arrives', async () => {
    const jobId = 'job_late_event_1';
    const submitted = runtime.submit(lines('late', 2), { jobId, delivery: { delayMs: 1_000 } });
    // The upload lands at once; the job does not exist until its event is delivered.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await runtime.deps.input.head(`inputs/${jobId}.jsonl`)).not.toBeNull();
    expect(await runtime.deps.jobs.getJob(jobId)).toBeNull();
    await submitted;
    expect(await runtime.deps.jobs.getJob(jobId)).not.toBeNull();
    expect((await runtime.waitForJob(jobId, { timeoutMs: 30_000 })).status).toBe('completed');
  });

  it('changes nothing when the event comes again long after its job finished', async () => {
    const jobId = await runtime.submit(lines('again', 3));
    const finished = await runtime.waitForJob(jobId, { timeoutMs: 30_000 });
    const before = await readResultsFile(runtime.deps.output, finished);
    const outcomes = await runtime.redeliverUploadEvent(`inputs/${jobId}.jsonl`, {
      copies: 2,
      spacingMs: 50,
    });
    expect(outcomes.map((o) => o.kind)).toEqual(['succeeded', 'succeeded']);
    const after = await runtime.deps.jobs.getJob(jobId);
    expect(after).toMatchObject({ status: 'completed', updatedAt: finished.updatedAt });
    expect(await readResultsFile(runtime.deps.output, finished)).toEqual(before);
    for (let i = 0; i < 3; i += 1) expect(model.callsFor(`again ${i}`)).toBe(1);
    expect(fanOutsOf(jobId)).toBe(3);
  });

  it('refuses to redeliver an event it never delivered', async () => {
    await expect(runtime.redeliverUploadEvent('inputs/never.jsonl')).rejects.toThrow(/no upload/);
  });
});

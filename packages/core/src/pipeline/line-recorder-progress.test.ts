import {
  createFakeClock,
  createInMemoryJobStore,
  createInMemoryObjectStore,
  makeNewJob,
} from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { JobStore } from '../ports/job-store';
import { silentLogger } from '../ports/logger';
import { createLineRecorder, PUSH_EVERY_LINES, PUSH_EVERY_MS } from './line-recorder';
import { unansweredResult } from './record-line-result';

const JOB = 'job_recorder_progress';
const failedLine = (line: number) =>
  unansweredResult({
    customId: `c${line}`,
    line,
    status: 'failed',
    error: { code: 'invalid_request', message: 'x' },
    attempts: 1,
    model: null,
  });

async function setUp(lines: number) {
  const inner = createInMemoryJobStore();
  let pushes = 0;
  const jobs: JobStore = {
    ...inner,
    pushChunkProgress: async (jobId, index) => {
      pushes += 1;
      return inner.pushChunkProgress(jobId, index);
    },
  };
  await jobs.createJob(makeNewJob(JOB));
  await jobs.startJobProgress(JOB);
  await jobs.putChunk(
    JOB,
    0,
    Array.from({ length: lines }, (_, i) => i + 1),
  );
  let token = 0;
  const clock = createFakeClock();
  const deps = {
    jobs,
    output: createInMemoryObjectStore('output'),
    log: silentLogger,
    newToken: () => {
      token += 1;
      return `t${token}`;
    },
    clock,
  };
  return { deps, clock, jobs: inner, pushes: () => pushes };
}

describe('createLineRecorder: pushes into the job counter', () => {
  it('pushes once PUSH_EVERY_LINES lines and PUSH_EVERY_MS have passed since its last push, not per 10 lines', async () => {
    const { deps, clock, jobs, pushes } = await setUp(80);
    const recorder = createLineRecorder(deps, JOB, 0);
    // 30 lines recorded one by one within a second: no push (the chunk's completion pushes them).
    for (let line = 1; line <= 30; line += 1) await recorder.record(failedLine(line));
    expect(pushes()).toBe(0);
    clock.advance(PUSH_EVERY_MS);
    await recorder.record(failedLine(31));
    expect(pushes()).toBe(1);
    expect((await jobs.getJobProgress(JOB))?.failed).toBe(31);
    // Time alone does not push: PUSH_EVERY_LINES more lines must be recorded first.
    clock.advance(PUSH_EVERY_MS);
    for (let line = 32; line < 32 + PUSH_EVERY_LINES - 1; line += 1) await recorder.record(failedLine(line));
    expect(pushes()).toBe(1);
    await recorder.record(failedLine(32 + PUSH_EVERY_LINES - 1));
    expect(pushes()).toBe(2);
  });
});

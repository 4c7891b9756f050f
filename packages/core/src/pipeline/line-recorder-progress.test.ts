import {
  createFakeClock,
  createInMemoryJobStore,
  createInMemoryObjectStore,
  makeFailedResultLine,
  makeNewJob,
} from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { JobStore } from '../ports/job-store';
import { silentLogger } from '../ports/logger';
import { createLineRecorder, PUSH_EVERY_LINES } from './line-recorder';
import { createProgressPushPacer, PUSH_EVERY_MS } from './progress-push-pacer';

const JOB = 'job_recorder_progress';

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
  it('pushes its first line at once, then at most once per PUSH_EVERY_MS, not per line', async () => {
    const { deps, clock, jobs, pushes } = await setUp(80);
    const recorder = createLineRecorder(deps, JOB, 0);
    // The first recorded line shows at once (a job of minute-long lines is live from its first line).
    await recorder.record(makeFailedResultLine(1));
    expect(pushes()).toBe(1);
    expect((await jobs.getJobProgress(JOB))?.failed).toBe(1);
    // 30 more lines within the second: no push (the chunk's completion would push them).
    for (let line = 2; line <= 31; line += 1) await recorder.record(makeFailedResultLine(line));
    expect(pushes()).toBe(1);
    clock.advance(PUSH_EVERY_MS - 1);
    await recorder.record(makeFailedResultLine(32));
    expect(pushes()).toBe(1);
    clock.advance(1);
    await recorder.record(makeFailedResultLine(33));
    expect(pushes()).toBe(2);
    expect((await jobs.getJobProgress(JOB))?.failed).toBe(33);
    // Time alone pushes nothing: a push follows a recorded line.
    clock.advance(10 * PUSH_EVERY_MS);
    expect(pushes()).toBe(2);
    await recorder.record(makeFailedResultLine(34));
    expect(pushes()).toBe(3);
  });

  it("shares the invocation's pacer: two chunks' recorders push at most once per PUSH_EVERY_MS after their first lines", async () => {
    const { deps, clock, pushes } = await setUp(80);
    await deps.jobs.putChunk(
      JOB,
      1,
      Array.from({ length: 80 }, (_, i) => i + 81),
    );
    const pushPacer = createProgressPushPacer(clock);
    const first = createLineRecorder({ ...deps, pushPacer }, JOB, 0);
    const second = createLineRecorder({ ...deps, pushPacer }, JOB, 1);
    await first.record(makeFailedResultLine(1));
    await second.record(makeFailedResultLine(81));
    expect(pushes()).toBe(2); // each chunk's first line shows at once
    clock.advance(PUSH_EVERY_MS);
    await first.record(makeFailedResultLine(2));
    await second.record(makeFailedResultLine(82));
    expect(pushes()).toBe(3); // one push for the invocation in this second, not one per chunk
  });

  it('without a clock, pushes every PUSH_EVERY_LINES lines', async () => {
    const { deps, pushes } = await setUp(80);
    const { clock: _clock, ...withoutClock } = deps;
    const recorder = createLineRecorder(withoutClock, JOB, 0);
    for (let line = 1; line < PUSH_EVERY_LINES; line += 1) await recorder.record(makeFailedResultLine(line));
    expect(pushes()).toBe(0);
    await recorder.record(makeFailedResultLine(PUSH_EVERY_LINES));
    expect(pushes()).toBe(1);
  });
});

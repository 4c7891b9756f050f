import { createInMemoryJobStore, createInMemoryObjectStore, makeNewJob } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../ports/logger';
import { type ObjectStore, ObjectStoreError } from '../ports/object-store';
import type { ResultLine } from '../results/result-line';
import { createLineRecorder } from './line-recorder';
import { parseResultObject } from './result-objects';

const JOB = 'job_unstorable';

function answered(line: number, answer: string): ResultLine {
  return {
    custom_id: `c${line}`,
    line,
    status: 'succeeded',
    reasoning: 'thinking',
    answer,
    finish_reason: 'stop',
    usage: {
      prompt_tokens: 3,
      completion_tokens: 5,
      total_tokens: 8,
      reasoning_tokens: null,
      cached_prompt_tokens: null,
      estimated_reasoning_tokens: null,
    },
    attempts: 2,
    latency_ms: 10,
    model: 'm',
    request_id: `req-${line}`,
    error: null,
  };
}

/** An output bucket that refuses any object holding `poison`, as S3 refuses a body for good. */
function refusingStore(poison: string, permanent: boolean): { output: ObjectStore; puts: string[] } {
  const inner = createInMemoryObjectStore('output');
  const puts: string[] = [];
  const output: ObjectStore = {
    ...inner,
    put: async (key, body, options) => {
      const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
      puts.push(text);
      if (text.includes(poison))
        throw new ObjectStoreError(`PutObject ${key}: EntityTooLarge (HTTP 400)`, 'unknown', { permanent });
      return inner.put(key, body, options);
    },
  };
  return { output, puts };
}

async function setUp(poison: string, permanent: boolean) {
  const jobs = createInMemoryJobStore();
  await jobs.createJob(makeNewJob(JOB));
  await jobs.putChunk(JOB, 0, [1, 2, 3]);
  const { output, puts } = refusingStore(poison, permanent);
  let token = 0;
  const newToken = (): string => {
    token += 1;
    return `t${token}`;
  };
  const deps = { jobs, output, log: silentLogger, newToken };
  return { deps, jobs, output, puts };
}

describe('a result the object store refuses for good', () => {
  it('ends that line failed (result_not_stored) and stores its group siblings as they were', async () => {
    const { deps, jobs, output } = await setUp('POISON', true);
    const recorder = createLineRecorder(deps, JOB, 0);
    const outcomes = await Promise.all([
      recorder.record(answered(1, 'one')),
      recorder.record(answered(2, 'POISON')),
      recorder.record(answered(3, 'three')),
    ]);
    expect(outcomes.map((o) => o.recorded)).toEqual([true, true, true]);
    const chunk = await jobs.getChunk(JOB, 0);
    expect(chunk?.counters).toMatchObject({ succeeded: 2, failed: 1 });
    const stored = new Map<number, ResultLine>();
    for (const line of [1, 2, 3]) {
      const key = chunk?.recorded[String(line)]?.resultKey ?? '';
      const text = parseResultObject((await output.get(key)) ?? '').get(line);
      stored.set(line, JSON.parse(text ?? 'null') as ResultLine);
    }
    expect(stored.get(1)?.answer).toBe('one');
    expect(stored.get(3)?.answer).toBe('three');
    expect(stored.get(2)).toMatchObject({
      status: 'failed',
      answer: null,
      reasoning: null,
      usage: null,
      attempts: 2,
      request_id: 'req-2',
      error: { code: 'result_not_stored' },
    });
    expect(stored.get(2)?.error?.message).toMatch(/refused this line's result for good.*EntityTooLarge/);
  });

  it('still fails the work item on a refusal that may pass later (not permanent)', async () => {
    const { deps, jobs } = await setUp('POISON', false);
    const recorder = createLineRecorder(deps, JOB, 0);
    await expect(recorder.record(answered(2, 'POISON'))).rejects.toThrow(/EntityTooLarge/);
    expect((await jobs.getChunk(JOB, 0))?.recorded).toEqual({});
  });
});

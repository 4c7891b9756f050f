import type { AsyncFailureRecord } from '@thinkbatch/functions';
import { readAsyncFailureRecord } from '@thinkbatch/functions';
import { describe, expect, it } from 'vitest';
import { createAsyncInvoker } from './async-invoke';

const silent = { info: () => {}, warn: () => {}, error: () => {} };

function harness(failures: number, sleep: (ms: number) => Promise<void> = async () => {}) {
  let calls = 0;
  const slept: number[] = [];
  const records: AsyncFailureRecord[] = [];
  const invoke = createAsyncInvoker<{ id: string }>({
    handler: async () => {
      calls += 1;
      if (calls <= failures) throw new Error(`attempt ${calls} failed`);
    },
    retries: 2,
    retryDelaysMs: [60_000, 120_000],
    functionArn: 'arn:fn',
    log: silent,
    sleep: async (ms) => {
      slept.push(ms);
      await sleep(ms);
    },
    onFailure: async (record) => void records.push(record),
  });
  return { invoke, calls: () => calls, slept, records };
}

describe('createAsyncInvoker (Lambda async invocation, locally)', () => {
  it('retries a throwing handler twice, after Lambda-like waits, and stops at the first success', async () => {
    const h = harness(2);
    expect(await h.invoke({ id: 'e' })).toEqual({ kind: 'succeeded', attempts: 3 });
    expect(h.slept).toEqual([60_000, 120_000]);
    expect(h.records).toEqual([]);
  });

  it('sends the failure record with the original event and the last error after the last retry', async () => {
    const h = harness(3);
    expect(await h.invoke({ id: 'e' })).toMatchObject({ kind: 'failed', attempts: 3 });
    expect(h.calls()).toBe(3);
    expect(h.records).toHaveLength(1);
    expect(h.records[0]).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { id: 'e' },
      responsePayload: { errorType: 'Error', errorMessage: 'attempt 3 failed' },
    });
    expect(readAsyncFailureRecord(JSON.stringify(h.records[0]))?.failure).toEqual({
      attempts: 3,
      message: 'attempt 3 failed',
    });
  });

  it('gives up quietly when stopped while waiting to retry', async () => {
    const h = harness(5, async () => Promise.reject(new Error('stopping')));
    expect(await h.invoke({ id: 'e' })).toMatchObject({ kind: 'failed', attempts: 1 });
    expect(h.records).toEqual([]);
  });
});

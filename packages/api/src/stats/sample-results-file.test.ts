import type { ByteRange, ObjectStore } from '@thinkbatch/core';
import { createInMemoryObjectStore } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { sampleResultsFile } from './sample-results-file';

/** An object store that counts the bytes its reads return. */
function countingStore(inner: ObjectStore) {
  const read = { bytes: 0, gets: 0 };
  const store: ObjectStore = {
    ...inner,
    bucket: inner.bucket,
    get: async (key: string, options?: { range?: ByteRange; ifMatch?: string }) => {
      const body = await inner.get(key, options);
      read.gets += 1;
      read.bytes += body?.length ?? 0;
      return body;
    },
  };
  return { store, read };
}

const resultsFile = (count: number): string =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      custom_id: `c-${i + 1}`,
      line: i + 1,
      status: 'succeeded',
      reasoning: 'r'.repeat(200),
      answer: 'a',
      finish_reason: 'stop',
      usage: null,
      attempts: 1,
      latency_ms: i,
      model: null,
      request_id: null,
      error: null,
    }),
  )
    .map((line) => `${line}\n`)
    .join('');

describe('sampleResultsFile', () => {
  it('reads a bounded number of bytes of a large file, in windows spread from its start to its end', async () => {
    const inner = createInMemoryObjectStore('out');
    const text = resultsFile(20_000); // about 7 MB
    await inner.put('results.jsonl', text);
    const { store, read } = countingStore(inner);
    const sample = await sampleResultsFile(store, 'results.jsonl', { windows: 8, windowBytes: 4096 });
    expect(read.bytes).toBeLessThanOrEqual(8 * 4096);
    expect(read.gets).toBe(8);
    expect(sample.length).toBeGreaterThan(8 * 5);
    const lines = sample.map((l) => l.line);
    expect(Math.min(...lines)).toBe(1);
    expect(Math.max(...lines)).toBeGreaterThan(20_000 * 0.85);
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('reads a file no larger than its windows whole, and nothing of a missing one', async () => {
    const inner = createInMemoryObjectStore('out');
    await inner.put('small.jsonl', resultsFile(30));
    const { store, read } = countingStore(inner);
    const sample = await sampleResultsFile(store, 'small.jsonl', { windows: 8, windowBytes: 4096 });
    expect(sample.map((l) => l.line)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(read.gets).toBe(1);
    expect(await sampleResultsFile(store, 'missing.jsonl', { windows: 8, windowBytes: 4096 })).toEqual([]);
  });
});

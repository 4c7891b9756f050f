import { createInMemoryObjectStore } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../ports/object-store';
import { readResultFilesAhead } from './finalize-segments';

const resultLine = (line: number): string =>
  JSON.stringify({
    custom_id: `c${line}`,
    line,
    status: 'succeeded',
    reasoning: null,
    answer: 'x'.repeat(900),
    finish_reason: 'stop',
    usage: null,
    attempts: 1,
    latency_ms: 5,
    model: 'm',
    request_id: null,
    error: null,
  });

/** `files` chunk files of one ~1 KB line each, on a store whose reads wait until released. */
async function slowFiles(files: number) {
  const store = createInMemoryObjectStore('out');
  const keys = Array.from({ length: files }, (_, i) => `jobs/j/chunks/${i}.jsonl`);
  for (const [i, key] of keys.entries()) await store.put(key, `${resultLine(i + 1)}\n`);
  let started = 0;
  let inFlight = 0;
  let mostInFlight = 0;
  let release: () => void = () => {};
  let released = new Promise<void>((resolve) => (release = resolve));
  const output: ObjectStore = {
    ...store,
    stream: async (key, options) => {
      started += 1;
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await released;
      inFlight -= 1;
      return store.stream(key, options);
    },
  };
  const open = (): void => {
    release();
    released = Promise.resolve();
  };
  return { output, keys, open, counts: () => ({ started, mostInFlight }) };
}

describe('finalize reads chunk files ahead', () => {
  it('keeps up to `files` reads in flight while the first is slow', async () => {
    const { output, keys, open, counts } = await slowFiles(100);
    const reading = readResultFilesAhead({ output }, 'j', keys, { files: 32, bytes: 1 << 30 });
    const first = reading.next();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(counts()).toEqual({ started: 32, mostInFlight: 32 });
    open();
    let lines = (await first).value?.lines.length ?? 0;
    for await (const batch of reading) lines += batch.lines.length;
    expect(lines).toBe(100);
    expect(counts().mostInFlight).toBe(32);
  });

  it('starts no read while the files read and not yet parsed hold the byte bound', async () => {
    const { output, keys, open, counts } = await slowFiles(20);
    open();
    const reading = readResultFilesAhead({ output }, 'j', keys, { files: 4, bytes: 2_500 });
    await reading.next();
    await new Promise((resolve) => setTimeout(resolve, 10));
    // 4 started at once; read (~4.2 KB) and one parsed, 3.1 KB wait: over the bound, none more.
    expect(counts().started).toBe(4);
    await reading.next();
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Two parsed, 2.1 KB wait: under the bound, refilled up to 4 files in flight or waiting.
    expect(counts().started).toBe(6);
    let rest = 0;
    for await (const _ of reading) rest += 1;
    expect(rest).toBe(18);
  });
});

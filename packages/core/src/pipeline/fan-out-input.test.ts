import { gzipSync } from 'node:zlib';
import { createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { jobKeys } from '../job/job-keys';
import { openFanOutSource } from './fan-out-input';

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function text(source: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts).toString();
}

describe('openFanOutSource', () => {
  it('passes plain bytes through and writes nothing', async () => {
    const h = createPipelineHarness();
    const job = await h.upload('plain.jsonl', '{"prompt":"a"}\n');
    const keysBefore = h.output.keys();
    const source = await openFanOutSource(h.deps, job, once(Buffer.from('{"prompt":"b"}\n')));
    expect(source.kind).toBe('plain');
    if (source.kind === 'failed') throw new Error(source.message);
    expect(await text(source.bytes)).toBe('{"prompt":"b"}\n');
    expect(h.output.keys()).toEqual(keysBefore);
  });

  it('decompresses gzip once into the job prefix; a re-run reads the same copy, same etag', async () => {
    const h = createPipelineHarness();
    const job = await h.upload('plain.jsonl', '{"prompt":"a"}\n');
    const zipped = gzipSync('{"prompt":"x"}\n{"prompt":"y"}\n');
    const first = await openFanOutSource(h.deps, job, once(zipped));
    if (first.kind !== 'decoded') throw new Error(`expected decoded, got ${first.kind}`);
    expect(first.decodedInput.key).toBe(jobKeys.decodedInput(job.jobId));
    expect(await text(first.bytes)).toBe('{"prompt":"x"}\n{"prompt":"y"}\n');
    const etag = (await h.output.head(first.decodedInput.key))?.etag;

    // A re-run (say, after the copy was written and fan-out died) must not rewrite it: items already
    // sent carry its etag. A different body here would show a rewrite.
    const again = await openFanOutSource(h.deps, job, once(gzipSync('{"prompt":"changed"}\n')));
    if (again.kind !== 'decoded') throw new Error(`expected decoded, got ${again.kind}`);
    expect(again.decodedInput).toEqual({ key: first.decodedInput.key, etag });
    expect(await text(again.bytes)).toBe('{"prompt":"x"}\n{"prompt":"y"}\n');
  });
});

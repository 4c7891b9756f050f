import { createInMemoryObjectStore } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { jobKeys } from '../job/job-keys';
import type { ObjectStore } from '../ports/object-store';
import { toOpenAIBatchOutputLine } from '../results/openai-batch-output';
import type { LineStatus, ResultLine } from '../results/result-line';
import { writeResultFiles } from './job-outputs';
import type { StoredResultLine } from './read-job-results';

const job = { jobId: 'job-1', createdAt: Date.UTC(2026, 0, 1), options: { openaiBatchOutput: true } };

function stored(line: number, status: LineStatus): StoredResultLine {
  const result: ResultLine = {
    custom_id: `c-${line}`,
    line,
    status,
    reasoning: status === 'succeeded' ? 'r' : null,
    answer: status === 'succeeded' ? `a-${line} \u2028 ünïcode` : null,
    finish_reason: status === 'succeeded' ? 'stop' : null,
    usage: null,
    attempts: 1,
    latency_ms: null,
    model: 'm',
    request_id: null,
    error: status === 'succeeded' ? null : { code: 'attempts_exhausted', message: `line ${line} failed` },
  };
  return { text: JSON.stringify(result), result };
}

const LINES = [stored(1, 'succeeded'), stored(2, 'failed'), stored(3, 'succeeded'), stored(5, 'expired')];

/** The lines as a source that counts how often it is read. */
function source(lines: readonly StoredResultLine[], failAfter = Number.POSITIVE_INFINITY) {
  const reads = { passes: 0 };
  const iterable = {
    async *[Symbol.asyncIterator]() {
      reads.passes += 1;
      for (const [i, line] of lines.entries()) {
        if (i === failAfter) throw new Error('chunk file unreadable');
        yield line;
      }
    },
  };
  return { iterable, reads };
}

const read = async (store: ObjectStore, key: string): Promise<string | null> => {
  const body = await store.get(key);
  return body === null ? null : new TextDecoder().decode(body);
};
const jsonl = (texts: readonly string[]): string => texts.map((t) => `${t}\n`).join('');

describe('writeResultFiles', () => {
  it('reads the lines once into results, errors, the OpenAI Batch output and the summary', async () => {
    const output = createInMemoryObjectStore('out');
    const { iterable, reads } = source(LINES);
    const { outputs, summary } = await writeResultFiles({ output }, job, iterable);
    expect(reads.passes).toBe(1);
    expect(await read(output, jobKeys.results('job-1'))).toBe(jsonl(LINES.map((l) => l.text)));
    expect(await read(output, jobKeys.errors('job-1'))).toBe(
      jsonl(LINES.filter((l) => l.result.status !== 'succeeded').map((l) => l.text)),
    );
    const batchOptions = { batchRequestIdPrefix: 'job-1', createdAt: job.createdAt };
    expect(await read(output, jobKeys.openaiBatch('job-1'))).toBe(
      jsonl(LINES.map((l) => JSON.stringify(toOpenAIBatchOutputLine(l.result, batchOptions)))),
    );
    expect(summary.counts()).toEqual({ total: 4, succeeded: 2, failed: 1, cancelled: 0, expired: 1 });
    expect(outputs).toEqual({
      results: jobKeys.results('job-1'),
      errors: jobKeys.errors('job-1'),
      summary: jobKeys.summary('job-1'),
      openaiBatch: jobKeys.openaiBatch('job-1'),
    });
  });

  it('writes no OpenAI Batch output unless the job asks for it', async () => {
    const output = createInMemoryObjectStore('out');
    const { outputs } = await writeResultFiles({ output }, { ...job, options: {} }, source(LINES).iterable);
    expect(outputs.openaiBatch).toBeNull();
    expect(output.keys()).toEqual([jobKeys.errors('job-1'), jobKeys.results('job-1')]);
  });

  it('stores none of the files when the source fails midway', async () => {
    const output = createInMemoryObjectStore('out');
    const failing = source(LINES, 2).iterable;
    await expect(writeResultFiles({ output }, job, failing)).rejects.toThrow('chunk file unreadable');
    expect(output.keys()).toEqual([]);
  });

  it('stops reading and aborts the other uploads as soon as one fails, and throws its error', async () => {
    const inner = createInMemoryObjectStore('out');
    const output: ObjectStore = {
      ...inner,
      putStream: async (key, body, options) => {
        if (key === jobKeys.errors('job-1')) throw new Error('errors.jsonl refused');
        await inner.putStream(key, body, options);
      },
    };
    const many = Array.from({ length: 2_000 }, (_, i) => stored(i + 1, i % 2 === 0 ? 'succeeded' : 'failed'));
    let read = 0;
    const counted = (async function* () {
      for (const line of many) {
        read += 1;
        yield line;
      }
    })();
    await expect(writeResultFiles({ output }, job, counted)).rejects.toThrow('errors.jsonl refused');
    expect(read).toBeLessThan(many.length);
    expect(inner.keys()).toEqual([]);
  });
});

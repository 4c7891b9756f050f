import type {
  BatchResultErrorEntry,
  SendMessageBatchCommand,
  SendMessageBatchCommandOutput,
} from '@aws-sdk/client-sqs';
import type { Clock, RunChunkMessage, WorkMessage } from '@thinkbatch/core';
import { ConfigurationError, isSqsMessageBody, WorkQueueError } from '@thinkbatch/core';
import { decodeReceivedBody } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { SqsBatchSender } from './sqs-work-queue';
import { createSqsWorkQueue } from './sqs-work-queue';

interface SentEntry {
  readonly id: string;
  readonly body: string;
  readonly message: WorkMessage;
  readonly delaySeconds: number | undefined;
}

/**
 * A hand-written SQS fake: records every SendMessageBatch and lets the test decide, per call, which entries
 * fail (SQS can answer 200 and still list entries as Failed).
 */
function fakeSqs(
  fail: (entry: SentEntry, call: number) => Omit<BatchResultErrorEntry, 'Id'> | 'unconfirmed' | null,
) {
  const calls: SentEntry[][] = [];
  const sender: SqsBatchSender = {
    send: async (command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput> => {
      const entries = (command.input.Entries ?? []).map((entry) => ({
        id: entry.Id ?? '',
        body: entry.MessageBody ?? '',
        message: decodeReceivedBody(entry.MessageBody ?? ''),
        delaySeconds: entry.DelaySeconds,
      }));
      calls.push(entries);
      const Successful: SendMessageBatchCommandOutput['Successful'] = [];
      const Failed: BatchResultErrorEntry[] = [];
      for (const entry of entries) {
        const failure = fail(entry, calls.length);
        if (failure === null)
          Successful.push({ Id: entry.id, MessageId: `m-${entry.id}`, MD5OfMessageBody: 'x' });
        else if (failure !== 'unconfirmed') Failed.push({ Id: entry.id, ...failure });
      }
      return { Successful, Failed, $metadata: { httpStatusCode: 200 } };
    },
  };
  return { sender, calls };
}

function recordingClock(): Clock & { readonly sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => 0, sleep: async (ms) => void sleeps.push(ms) };
}

const finalize = (jobId: string): WorkMessage => ({ type: 'finalize_job', jobId });
const chunk = (index: number, padding = 0): RunChunkMessage => ({
  type: 'run_chunk',
  jobId: 'job-1',
  chunk: index,
  handoffs: 0,
  lines: [{ line: index + 1, customId: `c${index}${'p'.repeat(padding)}`, byteStart: 0, byteEnd: 1 }],
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
}

describe('createSqsWorkQueue', () => {
  it('sends JSON bodies in batches of at most 10 entries, with the delay on every entry', async () => {
    const { sender, calls } = fakeSqs(() => null);
    const queue = createSqsWorkQueue({ sqs: sender, queueUrl: 'q' });
    const messages = Array.from({ length: 23 }, (_, i) => chunk(i));
    await queue.send(messages, { delaySeconds: 30 });
    expect(calls.map((call) => call.length)).toEqual([10, 10, 3]);
    expect(calls.flat().map((entry) => entry.message)).toEqual(messages);
    expect(new Set(calls.flat().map((entry) => entry.id)).size).toBe(23);
    expect(calls.flat().every((entry) => entry.delaySeconds === 30)).toBe(true);
  });

  it('sends pure ASCII bodies that read back exactly, whatever the custom ids hold', async () => {
    const { sender, calls } = fakeSqs(() => null);
    const queue = createSqsWorkQueue({ sqs: sender, queueUrl: 'q' });
    const ids = ['unicode-😀-漢字', 'nonchar-\uFFFE\uFFFF', 'lone-\uD800-\uDFFF', 'ctl-\u0001\u001F\u007F'];
    const messages = ids.map(
      (customId, i): WorkMessage => ({
        ...chunk(i),
        lines: [{ line: i + 1, customId, byteStart: 0, byteEnd: 1 }],
      }),
    );
    await queue.send(messages);
    for (const entry of calls.flat()) {
      expect(entry.body).toMatch(/^[\u0020-\u007E]*$/);
      expect(isSqsMessageBody(entry.body)).toBe(true);
    }
    expect(calls.flat().map((entry) => entry.message)).toEqual(messages);
  });

  it('measures the encoded body against the limit (U+FFFF is 3 bytes raw, 6 escaped)', async () => {
    const { sender, calls } = fakeSqs(() => null);
    const queue = createSqsWorkQueue({ sqs: sender, queueUrl: 'q' });
    const message: WorkMessage = {
      ...chunk(0),
      lines: [{ line: 1, customId: '\uFFFF'.repeat(200_000), byteStart: 0, byteEnd: 1 }],
    };
    const error = await rejection(queue.send([message]));
    expect(error).toBeInstanceOf(WorkQueueError);
    expect(String(error)).toMatch(/run_chunk of job job-1 chunk 0 is 1200\d{3} bytes/);
    expect(calls).toEqual([]);
  });

  it('splits batches at 1 MiB of bodies', async () => {
    const { sender, calls } = fakeSqs(() => null);
    const queue = createSqsWorkQueue({ sqs: sender, queueUrl: 'q' });
    await queue.send([chunk(0, 400_000), chunk(1, 400_000), chunk(2, 400_000), chunk(3)]);
    expect(
      calls.map((call) =>
        call.map((entry) => (entry.message.type === 'run_chunk' ? entry.message.chunk : -1)),
      ),
    ).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('retries only the entries listed as Failed, with full-jitter backoff, until they go through', async () => {
    const { sender, calls } = fakeSqs((entry, call) =>
      call <= 2 && entry.message.type === 'finalize_job' && entry.message.jobId !== 'ok'
        ? { Code: 'InternalError', SenderFault: false }
        : null,
    );
    const clock = recordingClock();
    const queue = createSqsWorkQueue({
      sqs: sender,
      queueUrl: 'q',
      clock,
      random: () => 0.5,
      baseDelayMs: 100,
    });
    await queue.send([finalize('ok'), finalize('flaky-a'), chunk(1), finalize('flaky-b')]);
    expect(
      calls.map((call) => call.map((entry) => entry.message.type === 'finalize_job' && entry.message.jobId)),
    ).toEqual([
      ['ok', 'flaky-a', false, 'flaky-b'],
      ['flaky-a', 'flaky-b'],
      ['flaky-a', 'flaky-b'],
    ]);
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it('treats an entry missing from both lists as failed and sends it again', async () => {
    const { sender, calls } = fakeSqs((_, call) => (call === 1 ? 'unconfirmed' : null));
    const queue = createSqsWorkQueue({ sqs: sender, queueUrl: 'q', clock: recordingClock() });
    await queue.send([finalize('j')]);
    expect(calls).toHaveLength(2);
  });

  it('caps the backoff at maxDelayMs and gives up after maxAttempts with a WorkQueueError naming the messages', async () => {
    const { sender, calls } = fakeSqs((entry) =>
      entry.message.type === 'run_chunk'
        ? { Code: 'ServiceUnavailable', Message: 'try later', SenderFault: false }
        : null,
    );
    const clock = recordingClock();
    const queue = createSqsWorkQueue({
      sqs: sender,
      queueUrl: 'q',
      maxAttempts: 4,
      clock,
      random: () => 0.999,
      maxDelayMs: 250,
    });
    const error = await rejection(queue.send([chunk(7), finalize('fine')]));
    expect(error).toBeInstanceOf(WorkQueueError);
    expect(String(error)).toContain('1 messages could not be sent after 4 attempts');
    expect(String(error)).toContain('run_chunk of job job-1 chunk 7 (ServiceUnavailable: try later)');
    expect(calls).toHaveLength(4);
    expect(clock.sleeps.map(Math.round)).toEqual([100, 200, 250]);
  });

  it('does not retry SenderFault entries, still delivers the retryable ones, then throws naming the refused', async () => {
    const { sender, calls } = fakeSqs((entry, call) => {
      if (entry.message.type === 'finalize_job' && entry.message.jobId === 'bad')
        return { Code: 'InvalidParameterValue', SenderFault: true };
      if (entry.message.type === 'run_chunk' && call === 1)
        return { Code: 'InternalError', SenderFault: false };
      return null;
    });
    const queue = createSqsWorkQueue({ sqs: sender, queueUrl: 'q', clock: recordingClock() });
    const error = await rejection(queue.send([finalize('bad'), chunk(3), finalize('good')]));
    expect(error).toBeInstanceOf(WorkQueueError);
    expect(String(error)).toContain(
      'SQS refused 1 messages: finalize_job of job bad (InvalidParameterValue)',
    );
    expect(calls.map((call) => call.length)).toEqual([3, 1]);
  });

  it('wraps a failed request in a WorkQueueError with the SDK error as cause', async () => {
    const cause = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    const queue = createSqsWorkQueue({
      sqs: { send: async () => Promise.reject(cause) },
      queueUrl: 'https://sqs.example/q',
    });
    const error = await rejection(queue.send([finalize('x')]));
    expect(error).toBeInstanceOf(WorkQueueError);
    expect((error as WorkQueueError).cause).toBe(cause);
    expect(String(error)).toContain('TimeoutError: socket hang up');
  });

  it('refuses a message over 1 MiB and a bad delay before sending anything', async () => {
    const { sender, calls } = fakeSqs(() => null);
    const queue = createSqsWorkQueue({ sqs: sender, queueUrl: 'q' });
    const tooBig = await rejection(queue.send([chunk(1), chunk(2, 1024 * 1024)]));
    expect(tooBig).toBeInstanceOf(WorkQueueError);
    expect(String(tooBig)).toMatch(
      /run_chunk of job job-1 chunk 2 is \d+ bytes, more than the SQS limit of 1048576/,
    );
    for (const delaySeconds of [-1, 901, 0.5]) {
      expect(await rejection(queue.send([chunk(1)], { delaySeconds }))).toBeInstanceOf(WorkQueueError);
    }
    expect(calls).toEqual([]);
    await queue.send([]);
    expect(calls).toEqual([]);
  });

  it('refuses a maxAttempts below 1', () => {
    expect(() =>
      createSqsWorkQueue({ queueUrl: 'q', maxAttempts: 0, sqs: fakeSqs(() => null).sender }),
    ).toThrow(ConfigurationError);
  });
});

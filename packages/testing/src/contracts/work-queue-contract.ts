import { createHash } from 'node:crypto';
import type { WorkQueue } from '@thinkbatch/core';
import {
  decodeWorkMessageBody,
  ErrorCode,
  type RunChunkMessage,
  WorkMessage,
  WorkQueueError,
} from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { expectRejection } from './rejections';

/** A fresh, empty queue for one test, and a way to take out every message sent to it. */
export interface WorkQueueContractSubject {
  readonly queue: WorkQueue;
  /** Every message sent so far and not yet taken (waiting out delays), in any order. */
  readonly receiveAll: () => Promise<WorkMessage[]>;
}

const KiB = 1024;

/** A run_chunk message; `padding` grows its JSON by about that many bytes. */
export function runChunkMessage(jobId: string, chunk: number, padding = 0): RunChunkMessage {
  return {
    type: 'run_chunk',
    jobId,
    chunk,
    handoffs: 0,
    lines: [
      { line: chunk * 2 + 1, customId: `c-${chunk}-a${'x'.repeat(padding)}`, byteStart: 0, byteEnd: 10 },
      { line: chunk * 2 + 2, customId: `c-${chunk}-b`, byteStart: 11, byteEnd: 25 },
    ],
  };
}

/**
 * Custom ids that raw JSON would carry into a body SQS refuses or an emulator mangles: emoji and other
 * astral characters, CJK, U+FFFE and U+FFFF, lone surrogates, C0 controls and DEL, and the longest id.
 */
export const AWKWARD_CUSTOM_IDS: readonly string[] = [
  'unicode-😀-漢字',
  '漢字かなカナ한국어',
  '\u{1F600}\u{10FFFF}\u{10000}',
  'nonchar-\uFFFE',
  'nonchar-\uFFFF',
  '\uFFFE\uFFFF',
  'lone-high-\uD800',
  'lone-low-\uDFFF',
  '\uDFFF\uD800',
  'ctl-\u0001-\u001F-\u007F-\u0000',
  'ws-\t\n\r-\u2028\u2029-\u0085',
  `${'😀'.repeat(100)}${'\uFFFF'.repeat(56)}`,
  'x'.repeat(256),
];

/** A body as read from the queue, back into a `WorkMessage`; throws when it is not one. */
export function decodeReceivedBody(body: string): WorkMessage {
  const decoded = decodeWorkMessageBody(body);
  if (decoded.kind !== 'ok') throw new Error(`received a body that is not a work message: ${decoded.reason}`);
  return decoded.message;
}

/**
 * Order-free, readable fingerprints: what the message is plus a hash of its canonical JSON (parsed through
 * the schema, so key order does not matter), so a mismatch never dumps megabytes of padding.
 */
const byJson = (messages: readonly WorkMessage[]): string[] =>
  messages
    .map((m) => {
      const canonical = JSON.stringify(WorkMessage.parse(m));
      const what = m.type === 'run_chunk' ? `run_chunk ${m.jobId} #${m.chunk}` : `finalize_job ${m.jobId}`;
      return `${what} ${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
    })
    .sort();

/**
 * The WorkQueue contract: every implementation (in-memory fake, SQS adapter on an emulator) must pass it.
 * `make` is called once per test and must return an empty queue.
 */
export function describeWorkQueueContract(name: string, make: () => Promise<WorkQueueContractSubject>): void {
  describe(`WorkQueue contract: ${name}`, () => {
    it('sends nothing for an empty list', async () => {
      const { queue, receiveAll } = await make();
      await queue.send([]);
      expect(await receiveAll()).toEqual([]);
    });

    it('delivers both message types intact', async () => {
      const { queue, receiveAll } = await make();
      const messages: WorkMessage[] = [runChunkMessage('job-a', 0), { type: 'finalize_job', jobId: 'job-a' }];
      await queue.send(messages);
      expect(byJson(await receiveAll())).toEqual(byJson(messages));
    });

    it('delivers messages whose custom ids hold any characters (SQS refuses some raw) exactly', async () => {
      const { queue, receiveAll } = await make();
      const messages: RunChunkMessage[] = AWKWARD_CUSTOM_IDS.map((customId, chunk) => ({
        ...runChunkMessage('job-unicode', chunk),
        lines: [{ line: chunk + 1, customId, byteStart: chunk * 300, byteEnd: chunk * 300 + 299 }],
      }));
      await queue.send(messages);
      const received = (await receiveAll()).filter((m) => m.type === 'run_chunk');
      received.sort((a, b) => a.chunk - b.chunk);
      expect(received).toHaveLength(messages.length);
      for (const [i, message] of received.entries()) {
        // Compared as escaped JSON so that a lone surrogate that came back as U+FFFD shows as a difference.
        expect(JSON.stringify(message.lines.map((ref) => ref.customId))).toBe(
          JSON.stringify([AWKWARD_CUSTOM_IDS[i]]),
        );
      }
      expect(received).toEqual(messages);
    });

    it('delivers more messages than fit in one batch, each once', async () => {
      const { queue, receiveAll } = await make();
      const messages = Array.from({ length: 47 }, (_, i) => runChunkMessage('job-many', i));
      await queue.send(messages);
      const received = await receiveAll();
      expect(received).toHaveLength(47);
      expect(byJson(received)).toEqual(byJson(messages));
    });

    it('delivers messages whose total exceeds 1 MiB (split by size, not only by count)', async () => {
      const { queue, receiveAll } = await make();
      const messages = [
        runChunkMessage('job-big', 0, 400 * KiB),
        runChunkMessage('job-big', 1, 400 * KiB),
        runChunkMessage('job-big', 2, 400 * KiB),
        runChunkMessage('job-big', 3),
        runChunkMessage('job-big', 4, 1000 * KiB),
      ];
      await queue.send(messages);
      expect(byJson(await receiveAll())).toEqual(byJson(messages));
    });

    it('refuses a single message over 1 MiB with a WorkQueueError naming it, sending nothing', async () => {
      const { queue, receiveAll } = await make();
      const error = await expectRejection(
        queue.send([runChunkMessage('job-ok', 0), runChunkMessage('job-huge', 7, 1024 * KiB)]),
        WorkQueueError,
        ErrorCode.invalidValue,
      );
      expect(String(error)).toMatch(/job-huge/);
      expect(String(error)).toMatch(/chunk 7/);
      expect(byJson(await receiveAll())).toEqual([]);
    });

    it('delivers delayed messages after their delay', async () => {
      const { queue, receiveAll } = await make();
      const message: WorkMessage = { type: 'finalize_job', jobId: 'job-later' };
      await queue.send([message], { delaySeconds: 1 });
      expect(byJson(await receiveAll())).toEqual(byJson([message]));
    });

    it('refuses a delay outside 0..900 whole seconds', async () => {
      const { queue, receiveAll } = await make();
      const message: WorkMessage = { type: 'finalize_job', jobId: 'job-bad-delay' };
      for (const delaySeconds of [-1, 901, 1.5]) {
        await expectRejection(
          queue.send([message], { delaySeconds }),
          WorkQueueError,
          ErrorCode.invalidValue,
        );
      }
      expect(await receiveAll()).toEqual([]);
    });
  });
}

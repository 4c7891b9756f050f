import { encodeWorkMessageBody, silentLogger, type WorkMessage } from '@thinkbatch/core';
import { createRecordingLogger, makeSqsRecord } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { processSqsRecords } from './sqs-batch';

const record = (messageId: string, body: string) => makeSqsRecord({ messageId, body });
const finalize = (jobId: string): string => encodeWorkMessageBody({ type: 'finalize_job', jobId });

describe('processSqsRecords', () => {
  it('reports exactly the records whose work threw, by messageId', async () => {
    const log = createRecordingLogger();
    const seen: WorkMessage[] = [];
    const response = await processSqsRecords(
      [record('m1', finalize('a')), record('m2', finalize('boom')), record('m3', finalize('c'))],
      log,
      async (message) => {
        seen.push(message);
        if (message.jobId === 'boom') throw new Error('storage unavailable');
      },
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    expect(seen.map((m) => m.jobId).sort()).toEqual(['a', 'boom', 'c']);
    expect(log.entries).toEqual([
      {
        level: 'error',
        message: 'work item failed; it will be redelivered',
        fields: { messageId: 'm2', jobId: 'boom', error: 'Error: storage unavailable' },
      },
    ]);
  });

  it('reads escaped bodies back exactly, lone surrogates included', async () => {
    const customId = 'unicode-😀-漢字-\uFFFF-\uD800-\u0001';
    const body = encodeWorkMessageBody({
      type: 'run_chunk',
      jobId: 'j',
      chunk: 0,
      handoffs: 0,
      lines: [{ line: 1, customId, byteStart: 0, byteEnd: 1 }],
    });
    const seen: string[] = [];
    await processSqsRecords([record('m1', body)], silentLogger, async (message) => {
      if (message.type === 'run_chunk') seen.push(...message.lines.map((ref) => ref.customId));
    });
    expect(seen).toEqual([customId]);
  });

  it('drops a body that is not a work message instead of retrying it forever', async () => {
    const log = createRecordingLogger();
    let calls = 0;
    const response = await processSqsRecords(
      [record('bad-json', '{nope'), record('bad-shape', '{"type":"explode"}'), record('ok', finalize('j'))],
      log,
      async () => {
        calls += 1;
      },
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(calls).toBe(1);
    expect(log.entries.map(({ level, message, fields }) => [level, message, fields?.['messageId']])).toEqual([
      ['error', 'dropping a message that is not a work message', 'bad-json'],
      ['error', 'dropping a message that is not a work message', 'bad-shape'],
    ]);
  });
});

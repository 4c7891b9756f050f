import { AWKWARD_CUSTOM_IDS, answerEcho, createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { jobKeys } from '../job/job-keys';
import { handleDeadLetter } from './dead-letter';

/** Escaped JSON of a list of strings: a lone surrogate turned into U+FFFD shows as a difference. */
const exactly = (ids: readonly (string | null | undefined)[]): string => JSON.stringify(ids);

const parseLines = (bytes: Uint8Array | null): Record<string, unknown>[] =>
  new TextDecoder()
    .decode(bytes ?? new Uint8Array())
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** One input line per awkward id, in both formats, the prompt holding the id too. */
function inputLines(ids: readonly string[]): string[] {
  return ids.map((id, i) =>
    i % 2 === 0
      ? JSON.stringify({ custom_id: id, prompt: `p${i} ${id}` })
      : JSON.stringify({
          custom_id: id,
          method: 'POST',
          url: '/v1/chat/completions',
          body: { messages: [{ role: 'user', content: `p${i} ${id}` }] },
        }),
  );
}

describe('custom ids and prompts holding any characters', () => {
  it('carry through queue, stored results, chunk files and every output file exactly', async () => {
    const h = createPipelineHarness({
      behaviour: (args) =>
        args.prompt.startsWith('p1 ')
          ? {
              kind: 'failed',
              latencyMs: 1,
              failure: {
                type: 'http_error',
                status: 400,
                message: 'bad',
                retryAfterMs: null,
                requestId: null,
              },
            }
          : answerEcho(args),
    });
    const ids = [...AWKWARD_CUSTOM_IDS];
    const lines = [
      ...inputLines(ids),
      JSON.stringify({ custom_id: 'bad-\uFFFF-😀', prompt: 'x', top_p: 'no' }),
    ];
    const job = await h.upload('unicode.jsonl', `${lines.join('\n')}\n`, {
      metadata: { 'thinkbatch-options': JSON.stringify({ openaiBatchOutput: true }) },
    });
    const chunkIds: string[] = [];
    await h.drain({
      beforeEach: async (message) => {
        if (message.type !== 'finalize_job') return;
        for (let k = 0; k < (job.chunksTotal ?? 0); k += 1)
          for (const line of parseLines(await h.output.get(jobKeys.chunkResults(job.jobId, k))))
            chunkIds.push(String(line['custom_id']));
      },
    });
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
    const all = [...ids, 'bad-\uFFFF-😀'];
    expect(exactly(chunkIds)).toBe(exactly(all));

    const results = await h.results(job.jobId);
    expect(results.map((r) => r.line)).toEqual(all.map((_, i) => i + 1));
    expect(exactly(results.map((r) => r.custom_id))).toBe(exactly(all));
    expect(results.map((r) => r.status)).toEqual(
      all.map((_, i) => (i === 1 || i === all.length - 1 ? 'failed' : 'succeeded')),
    );
    expect(exactly(results.filter((r) => r.status === 'succeeded').map((r) => r.answer))).toBe(
      exactly(ids.flatMap((id, i) => (i === 1 ? [] : [`answer:p${i} ${id}`]))),
    );
    expect(results.at(-1)?.error?.message).toMatch(new RegExp(`^line ${all.length}: top_p`));

    const errors = parseLines(await h.output.get(jobKeys.errors(job.jobId)));
    expect(exactly(errors.map((e) => e['custom_id'] as string))).toBe(exactly([ids[1], 'bad-\uFFFF-😀']));
    const batch = parseLines(await h.output.get(jobKeys.openaiBatch(job.jobId)));
    expect(exactly(batch.map((b) => b['custom_id'] as string))).toBe(exactly(all));
  });

  it('name dead-lettered lines by their custom ids, from the message alone', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 100 } });
    const ids = [...AWKWARD_CUSTOM_IDS];
    const job = await h.upload('dlq-unicode.jsonl', inputLines(ids).join('\n'));
    const [item] = h.queue.drain();
    if (item === undefined) throw new Error('expected one work item');
    // The input is gone: the dead-letter consumer cannot read the ids from it.
    await h.input.delete([job.input.key]);
    await handleDeadLetter(h.deps, item.message, 5);
    await h.drain();
    const results = await h.results(job.jobId);
    expect(results.map((r) => r.error?.code)).toEqual(ids.map(() => 'dead_lettered'));
    expect(exactly(results.map((r) => r.custom_id))).toBe(exactly(ids));
  });
});

import { createPipelineHarness } from '@thinkbatch/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChunkRecord } from '../job/chunk';

/** One input line: valid, invalid or blank, of some length, ended by LF or CRLF. */
const inputLine = fc.record({
  kind: fc.constantFrom('valid', 'valid', 'invalid', 'blank'),
  text: fc.string({ unit: 'grapheme', maxLength: 40 }),
  crlf: fc.boolean(),
});
type InputLine = typeof inputLine extends fc.Arbitrary<infer T> ? T : never;

const encoder = new TextEncoder();

function render(line: InputLine): string {
  if (line.kind === 'blank') return ' '.repeat(line.text.length % 3);
  if (line.kind === 'invalid') return `{"broken": ${JSON.stringify(line.text)}`;
  return JSON.stringify({ prompt: `p ${line.text}` });
}

async function chunksOf(h: ReturnType<typeof createPipelineHarness>, jobId: string): Promise<ChunkRecord[]> {
  const chunks: ChunkRecord[] = [];
  for await (const chunk of h.jobs.listChunks(jobId)) chunks.push(chunk);
  return chunks;
}

describe('fan-out chunk boundaries', () => {
  it('put every non-blank line in exactly one chunk, in order, within the line and byte limits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(inputLine, { maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 300 }),
        async (lines, linesPerChunk, maxChunkBytes) => {
          const texts = lines.map(render);
          const body = texts.map((text, i) => `${text}${lines[i]?.crlf ? '\r\n' : '\n'}`).join('');
          const h = createPipelineHarness({ config: { linesPerChunk, maxChunkBytes } });
          const job = await h.upload('input.jsonl', body);
          const chunks = await chunksOf(h, job.jobId);

          const nonBlank = texts.flatMap((text, i) => (text.trim() === '' ? [] : [i + 1]));
          expect(chunks.flatMap((chunk) => chunk.lines)).toEqual(nonBlank);
          expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, i) => i));
          expect(job.chunksTotal).toBe(chunks.length);
          const bytes = (line: number): number => encoder.encode(texts[line - 1]).byteLength;
          for (const chunk of chunks) {
            expect(chunk.lines.length).toBeGreaterThan(0);
            expect(chunk.lines.length).toBeLessThanOrEqual(linesPerChunk);
            // A chunk closes at the first line that brings it to the byte limit: all before it stay under.
            const beforeLast = chunk.lines.slice(0, -1).reduce((sum, line) => sum + bytes(line), 0);
            expect(beforeLast).toBeLessThan(maxChunkBytes);
            const full =
              chunk.lines.length === linesPerChunk ||
              beforeLast + bytes(chunk.lines.at(-1) ?? 0) >= maxChunkBytes;
            if (chunk !== chunks.at(-1)) expect(full).toBe(true);
          }
          // Each valid line travels in exactly one work item, with its chunk, as a claim check of its bytes.
          const sent = h.queue.sent.flatMap(({ message }) =>
            message.type === 'run_chunk' ? message.lines.map((ref) => ({ chunk: message.chunk, ref })) : [],
          );
          const valid = lines.flatMap((line, i) => (line.kind === 'valid' ? [i + 1] : []));
          expect(sent.map(({ ref }) => ref.line)).toEqual(valid);
          for (const { chunk, ref } of sent) {
            expect(chunks[chunk]?.lines).toContain(ref.line);
            const raw = new TextDecoder().decode(encoder.encode(body).subarray(ref.byteStart, ref.byteEnd));
            expect(raw).toBe(texts[ref.line - 1]);
          }

          // Chunking is a function of the bytes: fan-out over the same input again makes the same chunks.
          const again = createPipelineHarness({ config: { linesPerChunk, maxChunkBytes } });
          const rerun = await again.upload('input.jsonl', body);
          expect((await chunksOf(again, rerun.jobId)).map((c) => c.lines)).toEqual(
            chunks.map((c) => c.lines),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});

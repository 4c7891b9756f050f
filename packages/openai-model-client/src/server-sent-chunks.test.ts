import { APIError, OpenAIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { readServerSentChunks } from './server-sent-chunks';

/** A response whose body delivers `parts` one read each, and then ends — unless `endless`. */
function sseResponse(parts: readonly (string | Uint8Array)[], options: { endless?: boolean } = {}) {
  const encoder = new TextEncoder();
  let next = 0;
  const seen = { cancelled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const part = parts[next++];
        if (part !== undefined) controller.enqueue(typeof part === 'string' ? encoder.encode(part) : part);
        else if (options.endless === true) controller.enqueue(encoder.encode(': keep-alive\n\n'));
        else controller.close();
      },
      cancel() {
        seen.cancelled = true;
      },
      // Pulled only when read, like undici's body: its end is known to the reader only by reading on.
    },
    { highWaterMark: 0 },
  );
  const response = new Response(body, { headers: { 'x-request-id': 'req-1' } });
  return { response, seen };
}

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

describe('readServerSentChunks', () => {
  it('yields each payload up to [DONE], across split reads and split UTF-8, and reads an ended body to its end', async () => {
    const bytes = new TextEncoder().encode(event({ n: 2, text: 'é' }));
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of "é"
    const { response, seen } = sseResponse([
      ': comment\n\n',
      event({ n: 1 }).slice(0, 5),
      event({ n: 1 }).slice(5),
      bytes.slice(0, cut),
      bytes.slice(cut),
      'data: [DONE]\n\n',
    ]);
    expect(await collect(readServerSentChunks(response, 1_000))).toEqual([{ n: 1 }, { n: 2, text: 'é' }]);
    expect(seen.cancelled).toBe(false);
  });

  it('ignores what follows [DONE], and cancels a body that goes on', async () => {
    const { response, seen } = sseResponse([event({ n: 1 }), 'data: [DONE]\n\n', event({ n: 2 })], {
      endless: true,
    });
    expect(await collect(readServerSentChunks(response, 1_000))).toEqual([{ n: 1 }]);
    expect(seen.cancelled).toBe(true);
  });

  it('ends at [DONE] at once when the body stalls after it, and cancels the body', async () => {
    const encoder = new TextEncoder();
    const seen = { cancelled: false, pulls: 0 };
    const parts = [event({ n: 1 }), 'data: [DONE]\n\n'];
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          const part = parts[seen.pulls++];
          if (part === undefined) return new Promise<void>(() => {}); // never ends, never sends
          controller.enqueue(encoder.encode(part));
          return Promise.resolve();
        },
        cancel() {
          seen.cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    expect(await collect(readServerSentChunks(new Response(body), 1_000))).toEqual([{ n: 1 }]);
    expect(seen.cancelled).toBe(true);
  });

  it('drops a last event the body does not end with a blank line, as the SDK does', async () => {
    const { response } = sseResponse([event({ n: 1 }), 'data: {"n":2}\n']);
    expect(await collect(readServerSentChunks(response, 1_000))).toEqual([{ n: 1 }]);
  });

  it('throws the SDK’s SyntaxError for malformed JSON and cancels the body', async () => {
    const { response, seen } = sseResponse(['data: {not json\n\n'], { endless: true });
    await expect(collect(readServerSentChunks(response, 1_000))).rejects.toThrow(
      new SyntaxError('Error reading response: malformed server-sent event JSON.'),
    );
    expect(seen.cancelled).toBe(true);
  });

  it('throws an APIError without status for an error event or an error payload', async () => {
    for (const part of [
      `event: error\n${event({ message: 'model overloaded' })}`,
      event({ error: { message: 'model overloaded' } }),
    ]) {
      const { response } = sseResponse([part]);
      const error = await collect(readServerSentChunks(response, 1_000)).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(APIError);
      expect(error).toMatchObject({ status: undefined, message: 'model overloaded', requestID: 'req-1' });
    }
  });

  it('stops at an event longer than the bound', async () => {
    const { response, seen } = sseResponse([`data: "${'x'.repeat(500)}`], { endless: true });
    const error = await collect(readServerSentChunks(response, 100)).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAIError);
    expect((error as Error).message).toMatch(/longer than 100 characters/);
    expect(seen.cancelled).toBe(true);
  });

  it('cancels the body when the reader leaves early', async () => {
    const { response, seen } = sseResponse([event({ n: 1 }), event({ n: 2 })], { endless: true });
    for await (const _payload of readServerSentChunks(response, 1_000)) break;
    expect(seen.cancelled).toBe(true);
  });
});

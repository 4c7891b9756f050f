import type { ServerResponse } from 'node:http';
import { type SimulatorClock, sleepUnlessAborted } from '../clock';
import type { R1Response } from '../completion/r1-response';

// The bodies of the faults `endlessStream` and `giantBody`.

/** Default gap between the writes of an endless response. */
const ENDLESS_INTERVAL_MS = 10;
/** Default size of a giant body's content. */
const GIANT_BODY_BYTES = 16 * 1024 * 1024;

/** Write `text` every `intervalMs` until the client goes away (or the simulator closes). */
export async function writeForever(
  res: ServerResponse,
  text: string,
  intervalMs: number | undefined,
  signal: AbortSignal,
  clock: SimulatorClock,
): Promise<void> {
  const gap = Math.max(1, intervalMs ?? ENDLESS_INTERVAL_MS);
  while (!res.destroyed && (await sleepUnlessAborted(clock, gap, signal))) {
    if (!res.write(text)) {
      const drained = await new Promise<boolean>((resolve) => {
        const settle = (ok: boolean) => (): void => {
          res.off('drain', onDrain);
          res.off('close', onClose);
          resolve(ok);
        };
        const onDrain = settle(true);
        const onClose = settle(false);
        res.once('drain', onDrain);
        res.once('close', onClose);
      });
      if (!drained) return;
    }
  }
}

/** The role chunk and one reasoning chunk of a stream, to repeat forever. */
export function endlessChunks(chunks: readonly Record<string, unknown>[]): [unknown, unknown] {
  const [first] = chunks;
  const thought = {
    ...first,
    choices: [{ index: 0, delta: { reasoning_content: 'Hmm, ' }, finish_reason: null }],
  };
  return [first, thought];
}

/** The response with its content padded to about `bytes` (the usage stays the normal answer's). */
export function padded(response: R1Response, bytes: number | undefined): R1Response {
  const size = Math.max(0, Math.floor(bytes ?? GIANT_BODY_BYTES));
  const filler = 'All work and no play. '.repeat(Math.ceil(size / 22)).slice(0, size);
  return { ...response, segments: [...response.segments, { field: 'content', text: filler }] };
}

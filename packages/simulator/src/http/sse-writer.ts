import type { ServerResponse } from 'node:http';
import { type SimulatorClock, sleepUnlessAborted } from '../clock';

/** Send the headers of a server-sent event stream. */
export function startSse(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
}

/** Write one `data: …` event; waits for the socket to drain. False when the client went away. */
export async function writeSseData(res: ServerResponse, data: string, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted || res.destroyed) return false;
  if (res.write(`data: ${data}\n\n`)) return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

export interface SseScheduleOptions {
  /** Spread the events evenly over this many ms (0: send at once). */
  readonly durationMs: number;
  readonly signal: AbortSignal;
  readonly clock: SimulatorClock;
}

/**
 * Write JSON events spread over `durationMs`, as a model generating tokens would. Returns how many
 * events were written (fewer than given when the client went away).
 */
export async function writeSseEvents(
  res: ServerResponse,
  events: readonly unknown[],
  options: SseScheduleOptions,
): Promise<number> {
  const { clock, signal } = options;
  const start = clock.now();
  let written = 0;
  for (const [index, event] of events.entries()) {
    const due = start + (options.durationMs * (index + 1)) / events.length;
    const wait = due - clock.now();
    if (wait >= 1 && !(await sleepUnlessAborted(clock, wait, signal))) return written;
    if (!(await writeSseData(res, JSON.stringify(event), signal))) return written;
    written += 1;
  }
  return written;
}

/** Write the `[DONE]` sentinel and end the response. */
export function endSse(res: ServerResponse): void {
  if (res.destroyed) return;
  res.end('data: [DONE]\n\n');
}

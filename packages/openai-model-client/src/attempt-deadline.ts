import type { Clock } from '@thinkbatch/core';

/** How an attempt's signal came to abort, if it did. */
export type DeadlineState = 'running' | 'timed_out' | 'aborted';

/**
 * One attempt's abort signal: it fires when `timeoutMs` has passed on the clock or when the caller's
 * signal aborts, and remembers which came first, so a timeout is never reported as a cancellation
 * (nor the other way round).
 */
export interface AttemptDeadline {
  readonly signal: AbortSignal;
  readonly state: DeadlineState;
  /** Stop the timer and forget the caller's signal. Call once the attempt is over. */
  dispose(): void;
}

/**
 * The reason the deadline's own sleep is cancelled with on dispose. Given once, so that disposing —
 * once per attempt — does not build a `DOMException` (with its stack) that nobody reads.
 */
const DISPOSED: unique symbol = Symbol('attempt deadline disposed');

/** Start the deadline of one attempt. `timeoutMs` bounds the whole attempt: headers and body. */
export function startAttemptDeadline(
  timeoutMs: number,
  external: AbortSignal | undefined,
  clock: Clock,
): AttemptDeadline {
  const controller = new AbortController();
  const disposed = new AbortController();
  let state: DeadlineState = 'running';
  const settle = (next: DeadlineState, reason: unknown): void => {
    if (state !== 'running') return;
    state = next;
    controller.abort(reason);
  };
  const onExternalAbort = (): void => settle('aborted', external?.reason);
  if (external?.aborted) onExternalAbort();
  else external?.addEventListener('abort', onExternalAbort, { once: true });
  clock.sleep(timeoutMs, disposed.signal).then(
    () => settle('timed_out', new DOMException(`attempt timed out after ${timeoutMs} ms`, 'TimeoutError')),
    () => undefined, // disposed before the deadline
  );
  return {
    signal: controller.signal,
    get state() {
      return state;
    },
    dispose() {
      external?.removeEventListener('abort', onExternalAbort);
      disposed.abort(DISPOSED);
    },
  };
}

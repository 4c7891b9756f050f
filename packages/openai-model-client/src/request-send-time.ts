/**
 * When a request really left for the endpoint. Between a line's call and the bytes on the socket lie the
 * SDK's request building, the `fetch` and the event loop of a busy process — tens of milliseconds on a
 * loaded machine, more for a new connection — which a rate gate pacing a known limit must count as the
 * call's lateness. The SDK calls `fetch` without anything that ties the request to the call, so the call
 * runs in an async context that carries its recorder, and the `fetch` reports into it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Where one call's `fetch` reports its request's send time. */
export interface RequestSendRecorder {
  /** The SDK handed the request to `fetch` (the best time known for a `fetch` that reports no write). */
  fetchCalled(): void;
  /** The request's last byte was written to the socket (`createNodeHttpFetch`'s `finish`). */
  written(): void;
}

const current = new AsyncLocalStorage<RequestSendRecorder>();

/** Run `attempt` so that every request it sends reports to `recorder`. */
export function withRequestSendRecorder<T>(recorder: RequestSendRecorder, attempt: () => T): T {
  return current.run(recorder, attempt);
}

/** The recorder of the call this request belongs to, if any (read when `fetch` is called). */
export function requestSendRecorder(): RequestSendRecorder | undefined {
  return current.getStore();
}

/**
 * A `fetch` that tells the call's recorder when it was called, then sends through `send`. A `fetch` that
 * knows the write time (`createNodeHttpFetch`) reports it as well; for any other (Node's own `fetch`, a
 * caller's) the send time is the moment the SDK called it: the SDK's request building is seen, the
 * connection and the write are not.
 */
export function recordingFetchCalls(send: typeof fetch): typeof fetch {
  return (input, init) => {
    requestSendRecorder()?.fetchCalled();
    return send(input, init);
  };
}

/**
 * One call's send time: the last write reported, else the last `fetch` call, else null (no request
 * went out). Measured on the process's monotonic timer from the call's start and added to `startedAt`
 * (the call's start on the model client's clock): the write is real time whatever the clock, and the
 * clock is read no more often than before.
 */
export function createSendTime(startedAt: number): RequestSendRecorder & { readonly sentAt: number | null } {
  const origin = performance.now();
  const at = (): number => startedAt + Math.max(0, performance.now() - origin);
  let calledAt: number | null = null;
  let writtenAt: number | null = null;
  return {
    fetchCalled: () => {
      calledAt = at();
    },
    written: () => {
      writtenAt = at();
    },
    get sentAt() {
      return writtenAt ?? calledAt;
    },
  };
}

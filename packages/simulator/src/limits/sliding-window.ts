/** Requests and their tokens within a sliding window. */
export interface WindowLoad {
  readonly requests: number;
  readonly tokens: number;
}

/**
 * Events (each a request with a token amount) stamped with a time, counted over the trailing window
 * `(at - windowMs, at]`: an event leaves the window exactly `windowMs` after it happened.
 */
export interface SlidingWindow {
  /** Record one request of `tokens` at `at`; times must not go backwards. */
  add(at: number, tokens: number): void;
  /** What the window ending at `at` holds. */
  load(at: number): WindowLoad;
  /** ms from `at` until the window holds fewer than `limit` requests (0: it already does). */
  waitForRequests(at: number, limit: number): number;
  /**
   * ms from `at` until `tokens` more fit under `limit` (0: they already do); null when they never can
   * (`tokens > limit`).
   */
  waitForTokens(at: number, limit: number, tokens: number): number | null;
}

interface Stamped {
  readonly at: number;
  readonly tokens: number;
}

export function createSlidingWindow(windowMs: number): SlidingWindow {
  // A queue as an array and a head index: pruning is O(1), the array is compacted now and then.
  let events: Stamped[] = [];
  let head = 0;
  let tokens = 0;

  const prune = (at: number): void => {
    for (let first = events[head]; first !== undefined && first.at <= at - windowMs; first = events[head]) {
      tokens -= first.tokens;
      head += 1;
    }
    if (head > 1024 && head * 2 > events.length) {
      events = events.slice(head);
      head = 0;
    }
  };

  return {
    add(at, amount) {
      prune(at);
      events.push({ at, tokens: amount });
      tokens += amount;
    },
    load(at) {
      prune(at);
      return { requests: events.length - head, tokens };
    },
    waitForRequests(at, limit) {
      prune(at);
      const held = events.length - head;
      if (held < limit) return 0;
      // The window must shed `held - limit + 1` events: wait for the last of them to leave.
      const leaving = events[head + held - Math.ceil(limit)];
      return leaving === undefined ? 0 : leaving.at + windowMs - at;
    },
    waitForTokens(at, limit, amount) {
      if (amount > limit) return null;
      prune(at);
      let held = tokens;
      for (let i = head; held + amount > limit; i += 1) {
        const leaving = events[i];
        if (leaving === undefined) return 0; // unreachable: an empty window holds 0 tokens
        held -= leaving.tokens;
        if (held + amount <= limit) return leaving.at + windowMs - at;
      }
      return 0;
    },
  };
}

/** What the simulator has seen so far. A snapshot: later requests do not change it. */
export interface SimulatorStats {
  /** Every HTTP request, any path. */
  readonly requests: number;
  /** Chat completion requests that passed auth and validation (the ones that reach the "model"). */
  readonly chatRequests: number;
  /** Responses by HTTP status (`'200'`, `'429'`, …); `'reset'` counts sockets destroyed before a status. */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Injected faults by label (`http503`, `connectionReset`, `slowHeaders`, …). */
  readonly byFault: Readonly<Record<string, number>>;
  /** 429s of the rate limiter, by cause. */
  readonly rateLimited: { readonly concurrency: number; readonly rpm: number };
  /** Chat requests being served now, and the most ever served at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Chat requests per `promptKey(messages)`, including those refused by the rate limiter or faulted. */
  readonly callsByPrompt: Readonly<Record<string, number>>;
  /** Complete, successful answers per `promptKey(messages)`. */
  readonly completedByPrompt: Readonly<Record<string, number>>;
  /** Requests whose client went away before the response was complete. */
  readonly clientAborts: number;
}

/** Mutable counters behind `SimulatorStats`. */
export interface StatsRecorder {
  request(): void;
  chatRequest(promptKey: string): number;
  status(status: number | 'reset'): void;
  fault(label: string): void;
  rateLimited(reason: 'concurrency' | 'rpm'): void;
  completed(promptKey: string): void;
  clientAbort(): void;
  snapshot(inFlight: number, maxInFlight: number): SimulatorStats;
}

const bump = (counts: Record<string, number>, key: string): number => {
  counts[key] = (counts[key] ?? 0) + 1;
  return counts[key];
};

export function createStatsRecorder(): StatsRecorder {
  let requests = 0;
  let chatRequests = 0;
  let clientAborts = 0;
  const byStatus: Record<string, number> = {};
  const byFault: Record<string, number> = {};
  const rateLimited = { concurrency: 0, rpm: 0 };
  const callsByPrompt: Record<string, number> = {};
  const completedByPrompt: Record<string, number> = {};
  return {
    request: () => {
      requests += 1;
    },
    /** Returns how many calls this prompt has had, this one included. */
    chatRequest: (promptKey) => {
      chatRequests += 1;
      return bump(callsByPrompt, promptKey);
    },
    status: (status) => void bump(byStatus, String(status)),
    fault: (label) => void bump(byFault, label),
    rateLimited: (reason) => {
      rateLimited[reason] += 1;
    },
    completed: (promptKey) => void bump(completedByPrompt, promptKey),
    clientAbort: () => {
      clientAborts += 1;
    },
    snapshot: (inFlight, maxInFlight) => ({
      requests,
      chatRequests,
      byStatus: { ...byStatus },
      byFault: { ...byFault },
      rateLimited: { ...rateLimited },
      inFlight,
      maxInFlight,
      callsByPrompt: { ...callsByPrompt },
      completedByPrompt: { ...completedByPrompt },
      clientAborts,
    }),
  };
}

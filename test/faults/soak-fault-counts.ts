import type { LedgerSnapshot } from '@thinkbatch/simulator';
import type { InjectedSdkFault, SoakScenario } from '@thinkbatch/testing';

/** Log messages of the runtime that mark a fault carried out (a kill, a lost ack, a hand-back). */
const LOGGED = {
  'invocation timed out and was killed; its whole batch comes back': 'worker killed at its timeout',
  'event source invocation failed': 'ack lost (delete refused)',
  'some finished messages could not be deleted and will be redelivered': 'ack lost (delete refused)',
  'handing lines back to the queue': 'hand-back',
} as const;

const bump = (counts: Record<string, number>, key: string, by = 1): void => {
  if (by > 0) counts[key] = (counts[key] ?? 0) + by;
};

/** Every fault a soak run carried out, by kind, sorted by name. */
export function countSoakFaults(run: {
  readonly scenario: SoakScenario;
  readonly ledger: LedgerSnapshot;
  readonly sdk: readonly InjectedSdkFault[];
  readonly crashes: number;
  readonly log: readonly string[];
}): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of run.ledger.entries) {
    if (entry.fault !== null) bump(counts, `endpoint ${entry.fault}`);
    else if (entry.outcome === 'rate_limited') bump(counts, 'endpoint 429 (rate limit)');
    if (entry.outcome === 'client_aborted') bump(counts, 'endpoint call abandoned by the client');
  }
  for (const fault of run.sdk) bump(counts, `${fault.service} ${fault.operation} ${fault.fault}`);
  bump(counts, 'worker crash after the model call', run.crashes);
  for (const message of run.log) {
    const kind = LOGGED[message as keyof typeof LOGGED];
    if (kind !== undefined) bump(counts, kind);
  }
  for (const job of run.scenario.jobs) {
    bump(counts, 'S3 event duplicate', job.delivery.copies - 1);
    bump(counts, 'S3 event late (after the end)', job.lateEvent ? 1 : 0);
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** Result lines by status, failed ones by error code. */
export function countLineOutcomes(results: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const text of results)
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      const line = JSON.parse(raw) as { status?: string; error?: { code?: string } | null };
      bump(counts, line.status === 'failed' ? `failed ${line.error?.code ?? '?'}` : String(line.status));
    }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

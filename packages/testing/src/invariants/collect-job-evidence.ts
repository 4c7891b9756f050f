import type { JobStore, ObjectStore } from '@thinkbatch/core';
import type { LedgerSnapshot } from '@thinkbatch/simulator';
import type { JobEvidence } from './invariant-types';

/** Where a finished job's evidence lives: the runtime's stores and the simulator's ledger. */
export interface EvidenceSources {
  readonly jobs: JobStore;
  readonly output: ObjectStore;
  /** The simulator's ledger, read after the job finished (`() => simulator.ledger()`). */
  readonly ledger: () => LedgerSnapshot | Promise<LedgerSnapshot>;
}

const text = (bytes: Uint8Array | null): string => (bytes === null ? '' : new TextDecoder().decode(bytes));

/**
 * Read a finished job's results.jsonl and summary.json (missing ones read as empty, which the checker
 * then reports), with the input text it was given and the simulator's ledger.
 */
export async function collectJobEvidence(
  sources: EvidenceSources,
  jobId: string,
  input: string,
): Promise<JobEvidence> {
  const job = await sources.jobs.getJob(jobId);
  if (job === null) throw new Error(`no job ${jobId}`);
  if (job.outputs === null) throw new Error(`job ${jobId} has no outputs (${job.status})`);
  const [results, summary] = await Promise.all([
    sources.output.get(job.outputs.results),
    sources.output.get(job.outputs.summary),
  ]);
  const summaryText = text(summary);
  return {
    input,
    results: text(results),
    summary: summaryText === '' ? null : (JSON.parse(summaryText) as unknown),
    ledger: await sources.ledger(),
  };
}

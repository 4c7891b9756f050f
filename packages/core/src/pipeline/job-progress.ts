import { emptyChunkCounters } from '../job/chunk';
import type { JobProgress } from '../job/job';
import type { JobStore } from '../ports/job-store';
import { mergeUsageTotals } from '../usage/accounting';

/** Live, exact counts of a job: the sum of its chunks' counters (each line is counted once there). */
export async function sumJobProgress(jobs: JobStore, jobId: string): Promise<JobProgress> {
  const progress = emptyChunkCounters();
  for await (const chunk of jobs.listChunks(jobId)) {
    const c = chunk.counters;
    progress.succeeded += c.succeeded;
    progress.failed += c.failed;
    progress.cancelled += c.cancelled;
    progress.expired += c.expired;
    progress.attempts += c.attempts;
    progress.retries += c.retries;
    progress.usage = mergeUsageTotals(progress.usage, c.usage);
  }
  return progress;
}

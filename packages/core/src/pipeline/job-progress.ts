import { emptyChunkCounters } from '../job/chunk';
import type { JobProgress } from '../job/job';
import { addChunkCounters } from '../job/line-counters';
import type { JobStore } from '../ports/job-store';

/** Live, exact counts of a job: the sum of its chunks' counters (each line is counted once there). */
export async function sumJobProgress(jobs: JobStore, jobId: string): Promise<JobProgress> {
  let progress = emptyChunkCounters();
  for await (const chunk of jobs.listChunks(jobId)) progress = addChunkCounters(progress, chunk.counters);
  return progress;
}

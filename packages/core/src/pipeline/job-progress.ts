import { emptyChunkCounters } from '../job/chunk';
import type { JobProgress } from '../job/job';
import { addChunkCounters } from '../job/line-counters';
import type { JobStore } from '../ports/job-store';

/**
 * Live counts of a job in one read: its job counter (every chunk as of its last push; see
 * `JobProgressStore`), or, for a job from before the counter, the sum of its chunks' counters.
 */
export async function readJobProgress(jobs: JobStore, jobId: string): Promise<JobProgress> {
  return (await jobs.getJobProgress(jobId)) ?? (await sumJobProgress(jobs, jobId));
}

/** Live, exact counts of a job: the sum of its chunks' counters (each line is counted once there). */
export async function sumJobProgress(jobs: JobStore, jobId: string): Promise<JobProgress> {
  let progress = emptyChunkCounters();
  for await (const chunk of jobs.listChunks(jobId)) progress = addChunkCounters(progress, chunk.counters);
  return progress;
}

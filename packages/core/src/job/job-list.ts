import type { JobRecord, JobStatus } from './job';

/** Digits of `createdAt` in a list position: epoch ms stay below 10^15 for the next 30,000 years. */
const CREATED_AT_DIGITS = 15;

/**
 * Where a job sorts in a job list: `<createdAt, 15 digits>#<jobId>`. Lists run newest first, that is by
 * this string descending (ties of `createdAt` broken by job id); a page ends at a position and the next
 * one starts strictly after it, so pages never overlap or skip a job that did not change.
 */
export function jobListPosition(job: Pick<JobRecord, 'createdAt' | 'jobId'>): string {
  return `${String(job.createdAt).padStart(CREATED_AT_DIGITS, '0')}#${job.jobId}`;
}

/** What `JobStore.listJobs` is asked for. */
export interface JobListQuery {
  /** Only jobs in this status. @default every status */
  readonly status?: JobStatus;
  /** Only jobs of this input object key (in the input bucket). @default every key */
  readonly inputKey?: string;
  /** Most jobs in the page (≥ 1). */
  readonly limit: number;
  /** Start strictly after this position (`next` of the previous page). @default the newest job */
  readonly after?: string;
}

/** One page of a job list, newest first. */
export interface JobListPage {
  readonly jobs: readonly JobRecord[];
  /** Position of the page's last job when more jobs may follow, else null. */
  readonly next: string | null;
}

/** True when `job` belongs in the list `query` asks for (ignoring `limit`). */
export function matchesJobListQuery(job: JobRecord, query: Omit<JobListQuery, 'limit'>): boolean {
  if (query.status !== undefined && job.status !== query.status) return false;
  if (query.inputKey !== undefined && job.input.key !== query.inputKey) return false;
  return query.after === undefined || jobListPosition(job) < query.after;
}

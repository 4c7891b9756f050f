import type { JobStore, LineRecord, LineStatus, LineUsage, NewJob } from '@thinkbatch/core';

/** A job id no other test uses (stores may be shared between tests). */
export function uniqueJobId(label: string): string {
  return `${label}-${globalThis.crypto.randomUUID()}`;
}

/** A job submission with fixed input and options. */
export function makeNewJob(jobId: string, now = 1_000): NewJob {
  return {
    jobId,
    input: { bucket: 'input-bucket', key: `inputs/${jobId}.jsonl`, etag: '"etag-1"', size: 4_096 },
    options: { model: 'deepseek-ai/deepseek-r1', temperature: 0.6, maxAttempts: 3 },
    now,
  };
}

/** Create a job with one chunk (index 0) of `lines`; returns its id. */
export async function jobWithChunk(
  store: JobStore,
  lines: readonly number[],
  label: string,
): Promise<string> {
  const jobId = uniqueJobId(label);
  await store.createJob(makeNewJob(jobId));
  await store.putChunk(jobId, 0, lines);
  return jobId;
}

/** Usage of one line: typical known counts, cache and estimate unknown; override any field. */
export function makeLineUsage(overrides: Partial<LineUsage> = {}): LineUsage {
  return {
    prompt_tokens: 10,
    completion_tokens: 100,
    total_tokens: 110,
    reasoning_tokens: 80,
    cached_prompt_tokens: null,
    estimated_reasoning_tokens: null,
    ...overrides,
  };
}

/** A finished line's record: succeeded after one attempt with {@link makeLineUsage} unless overridden. */
export function makeLineRecord(
  jobId: string,
  line: number,
  overrides: { status?: LineStatus; attempts?: number; usage?: LineUsage | null } = {},
): LineRecord {
  return {
    line,
    status: overrides.status ?? 'succeeded',
    resultKey: `jobs/${jobId}/lines/${line}.json`,
    usage: overrides.usage === undefined ? makeLineUsage() : overrides.usage,
    attempts: overrides.attempts ?? 1,
  };
}

/**
 * Deployment settings shared by `infra/` (SST, AWS) and the local runtime (emulators). Plain constants
 * only — no imports — so `sst.config.ts` can load this file without the rest of the core.
 * Tests in infra and in the local runtime guard the relations between these numbers.
 */

/** Worker Lambda: R1 answers can take minutes, so the worker gets the longest timeout Lambda allows. */
export const WORKER = {
  /** @default 900 (Lambda's maximum) */
  timeoutSeconds: 900,
  /** @default 1024 */
  memoryMb: 1024,
  /** SQS messages (work items) per invocation. @default 4 */
  batchSize: 4,
  /** Seconds the event source waits to fill a batch. @default 1 */
  batchWindowSeconds: 1,
  /** Concurrent worker invocations (event source maximum concurrency, 2–1000). @default 20 */
  maxConcurrency: 20,
  /** Lines in flight at once within one invocation, across its work items. @default 8 */
  lineConcurrency: 8,
  /** Stop starting lines when less than this remains of the invocation. @default 60_000 */
  reserveMs: 60_000,
} as const;

/** Fan-out Lambda: streams the input object once. */
export const FANOUT = {
  /** @default 900 */
  timeoutSeconds: 900,
  /** @default 1024 */
  memoryMb: 1024,
  /** Lines per work item (chunk). @default 50 */
  linesPerChunk: 50,
  /** A chunk closes early when its lines' bytes reach this. @default 4 MiB */
  maxChunkBytes: 4 * 1024 * 1024,
  /** Longest accepted input line; longer lines fail with `line_too_large`. @default 8 MiB */
  maxLineBytes: 8 * 1024 * 1024,
} as const;

/** The work queue and its dead-letter queue (REFERENCE §3). */
export const QUEUE = {
  /** ≥ 6 × the worker timeout, as AWS recommends for SQS event sources. */
  visibilityTimeoutSeconds: 6 * WORKER.timeoutSeconds,
  /** Deliveries before a work item is dead-lettered. @default 5 */
  maxReceiveCount: 5,
  /** @default 4 days */
  retentionSeconds: 4 * 24 * 3600,
  /** Longer than the source queue's retention, so nothing expires in the DLQ first. @default 14 days */
  dlqRetentionSeconds: 14 * 24 * 3600,
  /** SQS allows 1 MiB since 2025; the attribute still defaults to 256 KiB, so it is set explicitly. */
  maximumMessageSizeBytes: 1024 * 1024,
  /** Longest SQS delay, used when a worker hands work back during a 429 storm. */
  maxDelaySeconds: 900,
} as const;

/** DLQ consumer. */
export const DEAD_LETTER = {
  /** @default 120 */
  timeoutSeconds: 120,
  /** @default 10 */
  batchSize: 10,
} as const;

/** Object key layout and the job table. */
export const STORAGE = {
  /** Uploads under this prefix of the input bucket start jobs. */
  inputPrefix: 'inputs/',
  /** Only keys with this suffix start jobs. */
  inputSuffix: '.jsonl',
  /** Everything a job writes lives under `jobs/<jobId>/` in the output bucket. */
  jobsPrefix: 'jobs/',
  /** DynamoDB key attribute names. */
  tablePartitionKey: 'pk',
  tableSortKey: 'sk',
} as const;

/** The default endpoint: DeepSeek-R1 on NVIDIA's OpenAI-compatible API. */
export const ENDPOINT = {
  baseURL: 'https://integrate.api.nvidia.com/v1',
  model: 'deepseek-ai/deepseek-r1',
} as const;

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
  /**
   * Most lines in flight at once within one invocation, across its work items: the memory bound (each
   * holds its prompt and a streamed answer, ≤ ~1 MB for R1's longest). Within it, the lines in flight
   * follow the endpoint's rate gate (`linesAwaitingPermit` beyond those holding a permit). A batch holds
   * at most `batchSize × FANOUT.linesPerChunk` = 200 lines. @default 256
   */
  lineConcurrency: 256,
  /**
   * Lines of one invocation that may wait for an endpoint permit at once: they carry its demand to the
   * rate gate; the rest wait their turn without holding anything. @default 8
   */
  linesAwaitingPermit: 8,
  /** Stop starting lines when less than this remains of the invocation. @default 60_000 */
  reserveMs: 60_000,
  /**
   * Hand-backs of one work item (a chain worker → work queue → worker) before its remaining lines are
   * settled `handoffs_exhausted` instead of being sent again. The worker's recursion config allows
   * Lambda's chain of SQS hops (it would stop one after about 16, dead-lettering its lines during a long
   * 429 storm); this is the bound instead. Far above what the rate gate's longest wait (600 s) and
   * the held-line rechecks need. @default 64
   */
  maxHandoffs: 64,
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
  /**
   * Most chunks of one job; a longer input fails `input_too_large`. No DynamoDB item bounds it here (the
   * job item holds one completion marker per 1,000 chunks; a job counter shard ~10 bytes per chunk ÷ 16,
   * so 400 KB at ~580,000 chunks): it is the size fan-out, finalize and the cost model were sized for,
   * and 20,000 chunks (1M lines) the largest run end to end. @default 90_000 (4.5 M lines at 50 per chunk)
   */
  maxChunksPerJob: 90_000,
  /** Most bytes a gzip input may decompress to; more fails `input_too_large`. @default 4 GiB */
  maxDecompressedBytes: 4 * 1024 * 1024 * 1024,
  /**
   * Retries of an asynchronous invocation (the S3 event) that threw, as Lambda counts them; then the
   * event goes to the fan-out failure queue. @default 2 (Lambda's maximum)
   */
  asyncRetries: 2,
} as const;

/**
 * Where an S3 event goes after the fan-out threw on every attempt (Lambda's on-failure destination),
 * and the consumer that fails the job with the error.
 */
export const FAN_OUT_FAILURES = {
  /** Kept as long as SQS allows: a failure record is the only trace of an upload whose fan-out died. */
  retentionSeconds: 14 * 24 * 3600,
  /** @default 120 */
  timeoutSeconds: 120,
  /** @default 10 */
  batchSize: 10,
} as const;

/**
 * The sweeper: a scheduled step that ends or resumes jobs whose steps stopped making progress (a fan-out
 * that died with its event lost, a finalize request that never came).
 */
export const SWEEPER = {
  /** How often it runs. @default 5 */
  intervalMinutes: 5,
  /** It may resume a fan-out in its own invocation, so it gets the fan-out's limits. */
  timeoutSeconds: FANOUT.timeoutSeconds,
  memoryMb: FANOUT.memoryMb,
  /**
   * An unfinished fan-out whose job has not changed for this long is stalled: longer than one fan-out
   * invocation can run plus Lambda's delays between async retries (1 and 2 minutes). @default 20 min
   */
  fanOutStalledAfterSeconds: FANOUT.timeoutSeconds + 5 * 60,
  /** Times the sweeper resumes a stalled fan-out before it fails the job (`fan_out_stalled`). @default 2 */
  maxFanOutResumes: 2,
  /**
   * A job whose chunks are all done but that has not started finalizing after this long gets another
   * finalize request (an expired finalize lease gets one at once). @default 15 min
   */
  finalizeStalledAfterSeconds: 15 * 60,
} as const;

/** The work queue and its dead-letter queue. */
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
  /**
   * Concurrent DLQ consumer invocations (event source maximum concurrency; AWS's minimum is 2): a burst
   * of dead letters must not take the account's concurrency from the workers. @default 2
   */
  maxConcurrency: 2,
  /**
   * Receives after which a dead letter its consumer keeps failing on is parked in `DeadLetterParking`
   * (instead of retrying for the DLQ's 14 days): the work queue's `maxReceiveCount` plus 5 of its own.
   * A message's receive count may carry over into the DLQ (fauxqs keeps it, and the consumer reports it as
   * the work item's deliveries), so a bound of 5 alone could park it before its consumer ever ran; if
   * it starts again at 0, the consumer gets 10 tries. Either way bounded. @default 10
   */
  maxReceiveCount: QUEUE.maxReceiveCount + 5,
} as const;

/** Object key layout and the job table. */
export const STORAGE = {
  /** Uploads under this prefix of the input bucket start jobs. */
  inputPrefix: 'inputs/',
  /** Only keys with this suffix start jobs. */
  inputSuffix: '.jsonl',
  /**
   * Keys with this suffix start jobs too: gzip-compressed JSONL (gzip bytes under `.jsonl` are read the
   * same way). On AWS the bucket notification needs a filter for it as well.
   */
  gzipInputSuffix: '.jsonl.gz',
  /** Everything a job writes lives under `jobs/<jobId>/` in the output bucket. */
  jobsPrefix: 'jobs/',
  /** DynamoDB key attribute names. */
  tablePartitionKey: 'pk',
  tableSortKey: 'sk',
  /**
   * A sparse global secondary index of the jobs that are not terminal: its key attribute exists on a job
   * item only until the job ends, so listing unfinished jobs never reads finished ones or chunks.
   */
  unfinishedJobsIndex: 'unfinished-jobs',
  /** Hash key attribute of that index (string). */
  unfinishedJobsKey: 'unfinished',
  /**
   * Global secondary index of jobs by status, newest first (for the job list): hash key the job's
   * `status`, range key `jobCreatedKey`, keys only.
   */
  jobsByStatusIndex: 'jobs-by-status',
  /** Global secondary index of jobs by input object key, newest first: hash `jobInputKey`, range `jobCreatedKey`, keys only. */
  jobsByInputIndex: 'jobs-by-input',
  /** Range key attribute of the job-list indexes (string): `<createdAt, 15 digits>#<jobId>`. */
  jobCreatedKey: 'createdKey',
  /** Hash key attribute of the index of jobs by input key (string): the input's object key. */
  jobInputKey: 'inputKey',
} as const;

/**
 * Environment variables with the endpoint's limits, read by the worker for its rate gate and passed
 * through by infra from the deploying shell. Each is a number, or `auto` for a limit to be found from
 * 429s; unset takes the default of `RateGateSettings` (NVIDIA's trial tier: 40 requests/min).
 */
export const ENDPOINT_LIMITS_ENV = {
  /** Requests per minute (`auto`: unknown). @default 40 */
  requestsPerMinute: 'THINKBATCH_RPM',
  /** Tokens (prompt + completion) per minute (`auto`: unknown). @default auto */
  tokensPerMinute: 'THINKBATCH_TPM',
  /** Calls in flight at once (`auto`: unknown). @default auto */
  maxInFlight: 'THINKBATCH_MAX_IN_FLIGHT',
  /** The window the provider counts its per-minute limits over, ms. @default 60000 */
  windowMs: 'THINKBATCH_RATE_WINDOW_MS',
  /** Longest a line waits for capacity in all, seconds; then it fails `rate_limited`. @default 600 */
  longestWaitSeconds: 'THINKBATCH_MAX_RATE_WAIT',
} as const;

/** The default endpoint: DeepSeek-R1 on NVIDIA's OpenAI-compatible API. */
export const ENDPOINT = {
  baseURL: 'https://integrate.api.nvidia.com/v1',
  model: 'deepseek-ai/deepseek-r1',
} as const;

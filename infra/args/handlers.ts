import { DEAD_LETTER, FAN_OUT_FAILURES, FANOUT, SWEEPER, WORKER } from '../../packages/core/src/settings';
import type { LinkName } from './access';

/** The Lambda runtime, set explicitly so an SST upgrade cannot change it silently. */
export const RUNTIME = 'nodejs24.x';

/**
 * Lambda's recursive-loop detection for a function (`aws.lambda.FunctionRecursionConfig`): `Terminate`
 * stops a chain function → SQS → the same function after about 16 hops; `Allow` lets it run, so the
 * function must bound its own chains.
 */
export type RecursiveLoop = 'Allow' | 'Terminate';

/** One Lambda handler: where its code is, its limits, and the only resources it may touch. */
export interface HandlerSpec {
  /** Path of the module and its exported function, relative to the repository root. */
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Resources linked to the function: each one appears in `Resource` and grants its `ACCESS`. */
  readonly links: readonly LinkName[];
  /** Its recursion config, decided per function (no default, so a new handler must decide). */
  readonly recursiveLoop: RecursiveLoop;
}

/**
 * Every function logs JSON lines (`createJsonLogger`); Lambda's JSON log format keeps them as fields, so
 * CloudWatch Logs Insights can query `level`, `jobId`, … (SST's default is text). SST's retention.
 */
export const FUNCTION_LOGGING = { format: 'json', retention: '1 month' } as const;

/** Fan-out: reads the upload, writes invalid-line results, creates the job and chunks, sends work. */
export const FAN_OUT_HANDLER = {
  handler: 'packages/functions/src/fan-out.handler',
  timeoutSeconds: FANOUT.timeoutSeconds,
  memoryMb: FANOUT.memoryMb,
  links: ['InputBucket', 'OutputBucket', 'JobsTable', 'WorkQueue', 'LabellingEvents'],
  /** It sends to the work queue, which only the worker consumes: no chain back to itself. */
  recursiveLoop: 'Terminate',
} as const satisfies HandlerSpec;

/** Worker: reads line bytes, calls the endpoint, records results, hands work back, finalizes jobs. */
export const WORKER_HANDLER = {
  handler: 'packages/functions/src/worker.handler',
  timeoutSeconds: WORKER.timeoutSeconds,
  memoryMb: WORKER.memoryMb,
  links: ['InputBucket', 'OutputBucket', 'JobsTable', 'WorkQueue', 'NvidiaApiKey', 'LabellingEvents'],
  /**
   * It re-sends to its own queue on purpose (hand-backs, finalize re-requests): Lambda's detection
   * would stop such a chain after about 16 hops and dead-letter its lines in a long 429 storm. Each
   * work item carries its hand-back count instead, bounded by `WORKER.maxHandoffs`.
   */
  recursiveLoop: 'Allow',
} as const satisfies HandlerSpec;

/**
 * Memory of the DLQ consumer: it only writes small result objects, so less than the others. Infra-only
 * (the local runtime has no memory setting), hence not in `settings.ts`. @default 512
 */
export const DEAD_LETTER_MEMORY_MB = 512;

/** DLQ consumer: records dead-lettered lines as failed and asks for the job's finalize. */
export const DEAD_LETTER_HANDLER = {
  handler: 'packages/functions/src/dead-letter.handler',
  timeoutSeconds: DEAD_LETTER.timeoutSeconds,
  memoryMb: DEAD_LETTER_MEMORY_MB,
  links: ['OutputBucket', 'JobsTable', 'WorkQueue'],
  /** It sends finalize requests to the work queue (the worker's), never to the dead-letter queue. */
  recursiveLoop: 'Terminate',
} as const satisfies HandlerSpec;

/** Memory of the fan-out failure consumer: it fails jobs and writes their (small) outputs. @default 512 */
export const FAN_OUT_FAILURE_MEMORY_MB = 512;

/**
 * Fan-out failure consumer: reads the failed S3 event's upload (for its job id), fails the job and
 * writes its outputs. It sends no work.
 */
export const FAN_OUT_FAILURE_HANDLER = {
  handler: 'packages/functions/src/fan-out-failure.handler',
  timeoutSeconds: FAN_OUT_FAILURES.timeoutSeconds,
  memoryMb: FAN_OUT_FAILURE_MEMORY_MB,
  links: ['InputBucket', 'OutputBucket', 'JobsTable', 'LabellingEvents'],
  recursiveLoop: 'Terminate',
} as const satisfies HandlerSpec;

/**
 * Sweeper: lists unfinished jobs, resumes stalled fan-outs (so the fan-out's links), fails what cannot
 * finish, re-requests lost finalizes. The only handler that reads the index of unfinished jobs.
 */
export const SWEEPER_HANDLER = {
  handler: 'packages/functions/src/sweeper.handler',
  timeoutSeconds: SWEEPER.timeoutSeconds,
  memoryMb: SWEEPER.memoryMb,
  links: ['InputBucket', 'OutputBucket', 'JobsTable', 'UnfinishedJobs', 'WorkQueue', 'LabellingEvents'],
  /** Started by its schedule; it sends to the worker's queue only. */
  recursiveLoop: 'Terminate',
} as const satisfies HandlerSpec;

/**
 * Arguments for a function invoked asynchronously (S3 → fan-out) whose failures must not be dropped:
 * Lambda retries a throwing invocation `FANOUT.asyncRetries` times, then sends its failure record
 * (the event and the last error) to `destinationArn`. SST creates the event invoke config only when
 * `retries` is set, and adds the on-failure destination through its `transform`; Lambda sends the record
 * with the function's role, hence the one `sqs:SendMessage` permission on that queue.
 */
export function withOnFailureDestination<Args extends object, Arn>(args: Args, destinationArn: Arn) {
  return {
    ...args,
    retries: FANOUT.asyncRetries,
    permissions: [{ actions: ['sqs:SendMessage'], resources: [destinationArn] }],
    transform: {
      eventInvokeConfig: { destinationConfig: { onFailure: { destination: destinationArn } } },
    },
  };
}

/**
 * The SST function arguments for a handler. `resolve` maps a link name to the linkable component
 * (in tests, to anything recognisable); `environment` is the endpoint configuration.
 */
export function functionArgs<Link>(
  spec: HandlerSpec,
  resolve: (name: LinkName) => Link,
  environment: Readonly<Record<string, string>>,
) {
  return {
    handler: spec.handler,
    runtime: RUNTIME,
    timeout: `${spec.timeoutSeconds} seconds`,
    memory: `${spec.memoryMb} MB`,
    link: spec.links.map(resolve),
    environment: { ...environment },
    logging: FUNCTION_LOGGING,
  } as const satisfies sst.aws.FunctionArgs;
}

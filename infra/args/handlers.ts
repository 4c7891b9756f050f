import { DEAD_LETTER, FAN_OUT_FAILURES, FANOUT, SWEEPER, WORKER } from '../../packages/core/src/settings';
import type { LinkName } from './access';

/** The Lambda runtime, set explicitly so an SST upgrade cannot change it silently. */
export const RUNTIME = 'nodejs24.x';

/** One Lambda handler: where its code is, its limits, and the only resources it may touch. */
export interface HandlerSpec {
  /** Path of the module and its exported function, relative to the repository root. */
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Resources linked to the function: each one appears in `Resource` and grants its `ACCESS`. */
  readonly links: readonly LinkName[];
}

/** Fan-out: reads the upload, writes invalid-line results, creates the job and chunks, sends work. */
export const FAN_OUT_HANDLER = {
  handler: 'packages/functions/src/fan-out.handler',
  timeoutSeconds: FANOUT.timeoutSeconds,
  memoryMb: FANOUT.memoryMb,
  links: ['InputBucket', 'OutputBucket', 'JobsTable', 'WorkQueue', 'LabellingEvents'],
} as const satisfies HandlerSpec;

/** Worker: reads line bytes, calls the endpoint, records results, hands work back, finalizes jobs. */
export const WORKER_HANDLER = {
  handler: 'packages/functions/src/worker.handler',
  timeoutSeconds: WORKER.timeoutSeconds,
  memoryMb: WORKER.memoryMb,
  links: ['InputBucket', 'OutputBucket', 'JobsTable', 'WorkQueue', 'NvidiaApiKey', 'LabellingEvents'],
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
  } as const satisfies sst.aws.FunctionArgs;
}

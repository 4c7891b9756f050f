import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  createDynamoJobStore,
  createDynamoRateGate,
  createS3ObjectStore,
  createSqsWorkQueue,
} from '@thinkbatch/aws-adapters';
import {
  type Clock,
  createJsonLogger,
  createRateGates,
  DEAD_LETTER,
  FAN_OUT_FAILURES,
  FANOUT,
  isTerminalJobStatus,
  type JobEvents,
  type JobOptions,
  type JobRecord,
  type Logger,
  type ModelClient,
  newJobId,
  type PipelineConfigInput,
  type PipelineDeps,
  parsePipelineConfig,
  type RateGateSettings,
  resolveEndpointLimits,
  STORAGE,
  SWEEPER,
  type SweepReport,
  systemClock,
  UPLOAD_METADATA,
  WORKER,
  type WorkQueue,
} from '@thinkbatch/core';
import {
  createDeadLetterHandler,
  createFanOutFailureHandler,
  createFanOutHandler,
  createSweeperHandler,
  createWorkerHandler,
} from '@thinkbatch/functions';
import type { S3Event } from 'aws-lambda';
import { type AsyncInvokeOutcome, createAsyncInvoker } from './async-invoke';
import {
  type AwsClients,
  createAwsClients,
  type Emulators,
  type ProvisionedResources,
  provisionResources,
  queueArn,
  startEmulators,
} from './emulators/index';
import { fenceDeps } from './fenced-deps';
import { createdEventOf } from './s3-event';
import { type SqsEventSource, startSqsEventSource } from './sqs-event-source';

export interface LocalRuntimeOptions {
  /** Emulator state on disk; in memory when omitted. */
  readonly dataDir?: string;
  readonly model: ModelClient;
  /**
   * The endpoint `model` calls: its base URL and API key name the rate gate every worker invocation and
   * every job shares (an item of the jobs table on dynalite, as on AWS), `limits` are its limits.
   * `limits` default to `RateGateSettings`' (NVIDIA's trial tier: 40 requests/min over a 60 s window).
   */
  readonly endpoint: {
    readonly baseURL: string;
    readonly apiKey: string | null;
    readonly limits?: Partial<RateGateSettings>;
  };
  /** Pipeline tunables, validated once by `parsePipelineConfig` (defaults: the deployed ones). */
  readonly config?: PipelineConfigInput;
  /** The worker's simulated Lambda timeout. @default WORKER.timeoutSeconds × 1000 */
  readonly workerTimeoutMs?: number;
  /** Work queue visibility timeout. @default 6 × the worker timeout, as on AWS */
  readonly visibilityTimeoutSeconds?: number;
  /** Concurrent worker invocations. @default WORKER.maxConcurrency */
  readonly maxConcurrency?: number;
  readonly log?: Logger;
  /**
   * Poll the queues and invoke the handlers, as Lambda's event sources do. Off lets a test drive the
   * handlers itself (receive, invoke, crash) on the same resources. @default true
   */
  readonly eventSources?: boolean;
  /**
   * Send work to this queue URL instead of the provisioned work queue (workers still consume the
   * provisioned one). A queue that does not exist rehearses a misconfigured deployment: fan-out fails
   * the job with `fan_out_failed`. @default the provisioned work queue
   */
  readonly workQueueUrl?: string;
  /** Wrap the work queue every handler sends through (fault injection in tests). @default none */
  readonly wrapWorkQueue?: (queue: WorkQueue) => WorkQueue;
  /**
   * Waits before the fan-out's async retries (there are `FANOUT.asyncRetries`). Lambda waits about 1 and
   * 2 minutes; locally seconds, so a run is not held up. @default [1_000, 2_000]
   */
  readonly fanOutRetryDelaysMs?: readonly number[];
  /**
   * The sweeper (`sweepStalledJobs`), run every `intervalMs` as the deployed schedule does, reading the
   * time from `clock`; `false` runs it only through `sweep()`.
   * @default { intervalMs: SWEEPER.intervalMinutes × 60_000, clock: systemClock }
   */
  readonly sweeper?: { readonly intervalMs?: number; readonly clock?: Clock } | false;
  /** Told when a job ends (finalize or failJob), as a queue would be on AWS. @default none */
  readonly events?: JobEvents;
}

/** Local waits before the fan-out's async retries (Lambda's are minutes). */
export const LOCAL_FAN_OUT_RETRY_DELAYS_MS = [1_000, 2_000] as const;

/** The Lambda handlers, wired to this runtime's deps. */
export interface LocalHandlers {
  readonly fanOut: ReturnType<typeof createFanOutHandler>;
  readonly worker: ReturnType<typeof createWorkerHandler>;
  readonly deadLetter: ReturnType<typeof createDeadLetterHandler>;
  readonly fanOutFailure: ReturnType<typeof createFanOutFailureHandler>;
  readonly sweeper: ReturnType<typeof createSweeperHandler>;
  /** The fan-out invoked as S3 invokes it: asynchronously, with retries, then the failure destination. */
  readonly fanOutAsync: (event: S3Event) => Promise<AsyncInvokeOutcome>;
}

export interface SubmitOptions {
  readonly jobId?: string;
  readonly options?: JobOptions;
  /** Object key under the input prefix. @default `<jobId>.jsonl` */
  readonly name?: string;
  /** How S3 delivers the upload's event (duplicated, late). @default one copy at once */
  readonly delivery?: EventDelivery;
}

/**
 * How an object-created event is delivered. S3 delivers at least once, unordered, sometimes late: the
 * copies of one event (same sequencer) go out side by side, the i-th after `delayMs + i × spacingMs`,
 * each as its own asynchronous invocation of the fan-out.
 */
export interface EventDelivery {
  /** Copies of the event. @default 1 */
  readonly copies?: number;
  /** Wait before the first copy, ms. @default 0 */
  readonly delayMs?: number;
  /** Wait between copies, ms (0: all at once, the hardest case). @default 0 */
  readonly spacingMs?: number;
}

export interface LocalRuntime {
  readonly deps: PipelineDeps;
  readonly clients: AwsClients;
  readonly endpoints: Emulators;
  readonly resources: ProvisionedResources;
  readonly handlers: LocalHandlers;
  /**
   * Upload a JSONL body to the input bucket and deliver its object-created event, as S3 would: an async
   * invocation of the fan-out (retries, then the failure destination). Resolves once the invocation
   * ended, never with the fan-out's error: a job that could not be fanned out ends `failed`.
   */
  submit(body: Uint8Array | string | AsyncIterable<Uint8Array>, options?: SubmitOptions): Promise<string>;
  /**
   * Deliver the event of the last upload of `key` (same sequencer: what S3 sends again) once more, or as
   * `delivery` says: a duplicate or late event, at any time, for example after its job finished.
   */
  redeliverUploadEvent(key: string, delivery?: EventDelivery): Promise<AsyncInvokeOutcome[]>;
  /** Run the sweeper once now (what its interval runs). */
  sweep(): Promise<SweepReport>;
  /** Resolve when the job reaches a terminal status (or rejects after `timeoutMs`). */
  waitForJob(
    jobId: string,
    options?: {
      timeoutMs?: number;
      onPoll?: (job: JobRecord) => void | Promise<void>;
      pollMs?: number;
      /** Stop waiting (the job goes on): rejects with the signal's reason. */
      signal?: AbortSignal;
    },
  ): Promise<JobRecord>;
  stop(): Promise<void>;
}

/**
 * The embedded default: S3, SQS and DynamoDB emulators in-process on 127.0.0.1, the resources the
 * infra would create, and the same Lambda handlers driven by a local event source. Nothing of the
 * pipeline is reimplemented here: only the delivery that AWS would do.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const endpoints = await startEmulators(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  const clients = createAwsClients(endpoints);
  try {
    return await assembleRuntime(options, endpoints, clients);
  } catch (error) {
    clients.destroy();
    await endpoints.stop();
    throw error;
  }
}

/** Provision the resources, wire the handlers and start the event sources on running emulators. */
async function assembleRuntime(
  options: LocalRuntimeOptions,
  endpoints: Emulators,
  clients: AwsClients,
): Promise<LocalRuntime> {
  const log = options.log ?? createJsonLogger({ runtime: 'local' });
  const workerTimeoutMs = options.workerTimeoutMs ?? WORKER.timeoutSeconds * 1000;
  const resources = await provisionResources(clients, {
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? Math.ceil((6 * workerTimeoutMs) / 1000),
  });

  const rateGates = createRateGates({
    baseURL: options.endpoint.baseURL,
    apiKey: options.endpoint.apiKey,
    settings: resolveEndpointLimits(options.endpoint.baseURL, options.endpoint.limits ?? {}),
    create: (key, settings) =>
      createDynamoRateGate({ dynamodb: clients.dynamodb, tableName: resources.tableName, key, settings }),
  });
  const sqsQueue = createSqsWorkQueue({
    sqs: clients.sqs,
    queueUrl: options.workQueueUrl ?? resources.queueUrl,
  });
  const deps: PipelineDeps = {
    input: createS3ObjectStore({ s3: clients.s3, bucket: resources.inputBucket }),
    output: createS3ObjectStore({ s3: clients.s3, bucket: resources.outputBucket }),
    jobs: createDynamoJobStore({ dynamodb: clients.dynamodb, tableName: resources.tableName }),
    queue: options.wrapWorkQueue?.(sqsQueue) ?? sqsQueue,
    model: options.model,
    rateGates,
    clock: systemClock,
    random: Math.random,
    newToken: () => randomUUID().slice(0, 12),
    log,
    config: parsePipelineConfig(options.config),
    ...(options.events !== undefined && { events: options.events }),
  };
  const provide = async (): Promise<PipelineDeps> => deps;
  const fanOut = createFanOutHandler(provide);
  const stopping = new AbortController();
  const worker = createWorkerHandler(provide, { signal: stopping.signal });
  const deadLetter = createDeadLetterHandler(provide);
  const fanOutFailure = createFanOutFailureHandler(provide);
  const sweeperClock = (options.sweeper === false ? undefined : options.sweeper?.clock) ?? systemClock;
  const sweeper = createSweeperHandler(async () => ({ ...deps, clock: sweeperClock }));
  const fanOutAsync = createAsyncInvoker<S3Event>({
    handler: fanOut,
    retries: FANOUT.asyncRetries,
    retryDelaysMs: options.fanOutRetryDelaysMs ?? LOCAL_FAN_OUT_RETRY_DELAYS_MS,
    functionArn: `arn:aws:lambda:${endpoints.region}:000000000000:function:thinkbatch-local-fan-out`,
    log,
    sleep: (ms) => systemClock.sleep(ms, stopping.signal),
    onFailure: async (record) => {
      await clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: resources.fanOutFailuresUrl,
          MessageBody: JSON.stringify(record),
        }),
      );
    },
  });

  const [workArn, deadLetterArn, fanOutFailuresArn] = await Promise.all([
    queueArn(clients.sqs, resources.queueUrl),
    queueArn(clients.sqs, resources.dlqUrl),
    queueArn(clients.sqs, resources.fanOutFailuresUrl),
  ]);
  /** The event of the last upload of each key submitted here, for redeliveries. */
  const uploadEvents = new Map<string, S3Event>();
  const deliver = async (event: S3Event, delivery: EventDelivery = {}): Promise<AsyncInvokeOutcome[]> => {
    const copies = delivery.copies ?? 1;
    if (!Number.isInteger(copies) || copies < 1) throw new RangeError(`copies must be ≥ 1, got ${copies}`);
    return Promise.all(
      Array.from({ length: copies }, async (_, i) => {
        const wait = (delivery.delayMs ?? 0) + i * (delivery.spacingMs ?? 0);
        if (wait > 0) await systemClock.sleep(wait, stopping.signal);
        return fanOutAsync(event);
      }),
    );
  };
  const sources: SqsEventSource[] = [];
  if (options.eventSources ?? true) {
    sources.push(
      startSqsEventSource({
        sqs: clients.sqs,
        queueUrl: resources.queueUrl,
        queueArn: workArn,
        region: endpoints.region,
        batchSize: WORKER.batchSize,
        maxConcurrency: options.maxConcurrency ?? WORKER.maxConcurrency,
        timeoutMs: workerTimeoutMs,
        log,
        // Each invocation gets deps it loses at its timeout (Lambda kills it) and a signal that cuts its calls.
        handler: (event, invocation) => {
          const started = Date.now();
          const killable = createWorkerHandler(async () => fenceDeps(deps, invocation.signal), {
            signal: AbortSignal.any([stopping.signal, invocation.signal]),
          });
          return killable(event, {
            getRemainingTimeInMillis: () => workerTimeoutMs - (Date.now() - started),
          });
        },
      }),
      startSqsEventSource({
        sqs: clients.sqs,
        queueUrl: resources.dlqUrl,
        queueArn: deadLetterArn,
        region: endpoints.region,
        batchSize: DEAD_LETTER.batchSize,
        maxConcurrency: 1,
        timeoutMs: DEAD_LETTER.timeoutSeconds * 1000,
        log,
        handler: (event, invocation) =>
          createDeadLetterHandler(async () => fenceDeps(deps, invocation.signal))(event),
      }),
      startSqsEventSource({
        sqs: clients.sqs,
        queueUrl: resources.fanOutFailuresUrl,
        queueArn: fanOutFailuresArn,
        region: endpoints.region,
        batchSize: FAN_OUT_FAILURES.batchSize,
        maxConcurrency: 1,
        timeoutMs: FAN_OUT_FAILURES.timeoutSeconds * 1000,
        log,
        handler: (event, invocation) =>
          createFanOutFailureHandler(async () => fenceDeps(deps, invocation.signal))(event),
      }),
    );
  }
  const sweeps =
    options.sweeper === false
      ? null
      : startInterval(
          options.sweeper?.intervalMs ?? SWEEPER.intervalMinutes * 60_000,
          () => sweeper().then(() => undefined),
          log,
        );

  return {
    deps,
    clients,
    endpoints,
    resources,
    handlers: { fanOut, worker, deadLetter, fanOutFailure, sweeper, fanOutAsync },
    sweep: sweeper,
    submit: async (body, submitOptions = {}) => {
      const jobId = submitOptions.jobId ?? newJobId();
      const key = `${STORAGE.inputPrefix}${submitOptions.name ?? `${jobId}${STORAGE.inputSuffix}`}`;
      const metadata: Record<string, string> = { [UPLOAD_METADATA.jobId]: jobId };
      if (submitOptions.options !== undefined)
        metadata[UPLOAD_METADATA.options] = JSON.stringify(submitOptions.options);
      const put = { contentType: 'application/x-ndjson', metadata };
      if (typeof body === 'string' || body instanceof Uint8Array) await deps.input.put(key, body, put);
      else await deps.input.putStream(key, body, put);
      const event = await createdEventOf(deps.input, {
        bucket: resources.inputBucket,
        key,
        region: endpoints.region,
      });
      if (event === null) throw new Error(`upload of ${key} vanished`);
      uploadEvents.set(key, event);
      await deliver(event, submitOptions.delivery);
      return jobId;
    },
    redeliverUploadEvent: async (key, delivery) => {
      const event = uploadEvents.get(key);
      if (event === undefined) throw new Error(`no upload of ${key} was submitted to this runtime`);
      return deliver(event, delivery);
    },
    waitForJob: async (jobId, waitOptions = {}) => {
      const deadline = Date.now() + (waitOptions.timeoutMs ?? Number.POSITIVE_INFINITY);
      for (;;) {
        waitOptions.signal?.throwIfAborted();
        const job = await deps.jobs.getJob(jobId);
        if (job === null) throw new Error(`job ${jobId} does not exist`);
        await waitOptions.onPoll?.(job);
        if (isTerminalJobStatus(job.status)) return job;
        if (Date.now() > deadline)
          throw new Error(`job ${jobId} still ${job.status} after ${waitOptions.timeoutMs} ms`);
        await systemClock.sleep(waitOptions.pollMs ?? 250, waitOptions.signal);
      }
    },
    stop: async () => {
      stopping.abort(new Error('local runtime stopping'));
      await sweeps?.stop();
      await Promise.all(sources.map((s) => s.stop()));
      clients.destroy();
      await endpoints.stop();
    },
  };
}

/** Run `task` every `intervalMs` (never two at once) until stopped; a failed run is logged. */
function startInterval(
  intervalMs: number,
  task: () => Promise<void>,
  log: Logger,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running !== null) return;
    running = task()
      .catch((error: unknown) => log.error('sweep failed', { error: String(error) }))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

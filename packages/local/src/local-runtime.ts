import { randomUUID } from 'node:crypto';
import { createDynamoJobStore, createS3ObjectStore, createSqsWorkQueue } from '@thinkbatch/aws-adapters';
import {
  createJsonLogger,
  DEAD_LETTER,
  defaultPipelineConfig,
  isTerminalJobStatus,
  type JobOptions,
  type JobRecord,
  type Logger,
  type ModelClient,
  newJobId,
  type PipelineConfig,
  type PipelineDeps,
  STORAGE,
  systemClock,
  UPLOAD_METADATA,
  WORKER,
} from '@thinkbatch/core';
import { createDeadLetterHandler, createFanOutHandler, createWorkerHandler } from '@thinkbatch/functions';
import {
  type AwsClients,
  createAwsClients,
  type Emulators,
  type ProvisionedResources,
  provisionResources,
  queueArn,
  startEmulators,
} from './emulators/index';
import { objectCreatedEvent } from './s3-event';
import { type SqsEventSource, startSqsEventSource } from './sqs-event-source';

export interface LocalRuntimeOptions {
  /** Emulator state on disk; in memory when omitted. */
  readonly dataDir?: string;
  readonly model: ModelClient;
  /** Pipeline tunables (defaults: the deployed ones). */
  readonly config?: Partial<PipelineConfig>;
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
}

/** The Lambda handlers, wired to this runtime's deps. */
export interface LocalHandlers {
  readonly fanOut: ReturnType<typeof createFanOutHandler>;
  readonly worker: ReturnType<typeof createWorkerHandler>;
  readonly deadLetter: ReturnType<typeof createDeadLetterHandler>;
}

export interface SubmitOptions {
  readonly jobId?: string;
  readonly options?: JobOptions;
  /** Object key under the input prefix. @default `<jobId>.jsonl` */
  readonly name?: string;
}

export interface LocalRuntime {
  readonly deps: PipelineDeps;
  readonly clients: AwsClients;
  readonly endpoints: Emulators;
  readonly resources: ProvisionedResources;
  readonly handlers: LocalHandlers;
  /** Upload a JSONL body to the input bucket and deliver its object-created event, as S3 would. */
  submit(body: Uint8Array | string | AsyncIterable<Uint8Array>, options?: SubmitOptions): Promise<string>;
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

  const deps: PipelineDeps = {
    input: createS3ObjectStore({ s3: clients.s3, bucket: resources.inputBucket }),
    output: createS3ObjectStore({ s3: clients.s3, bucket: resources.outputBucket }),
    jobs: createDynamoJobStore({ dynamodb: clients.dynamodb, tableName: resources.tableName }),
    queue: createSqsWorkQueue({ sqs: clients.sqs, queueUrl: resources.queueUrl }),
    model: options.model,
    clock: systemClock,
    random: Math.random,
    newToken: () => randomUUID().slice(0, 12),
    log,
    config: { ...defaultPipelineConfig, ...options.config },
  };
  const provide = async (): Promise<PipelineDeps> => deps;
  const fanOut = createFanOutHandler(provide);
  const stopping = new AbortController();
  const worker = createWorkerHandler(provide, { signal: stopping.signal });
  const deadLetter = createDeadLetterHandler(provide);

  const [workArn, deadLetterArn] = await Promise.all([
    queueArn(clients.sqs, resources.queueUrl),
    queueArn(clients.sqs, resources.dlqUrl),
  ]);
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
        log,
        handler: (event) => {
          const started = Date.now();
          return worker(event, { getRemainingTimeInMillis: () => workerTimeoutMs - (Date.now() - started) });
        },
      }),
      startSqsEventSource({
        sqs: clients.sqs,
        queueUrl: resources.dlqUrl,
        queueArn: deadLetterArn,
        region: endpoints.region,
        batchSize: DEAD_LETTER.batchSize,
        maxConcurrency: 1,
        log,
        handler: deadLetter,
      }),
    );
  }

  return {
    deps,
    clients,
    endpoints,
    resources,
    handlers: { fanOut, worker, deadLetter },
    submit: async (body, submitOptions = {}) => {
      const jobId = submitOptions.jobId ?? newJobId();
      const key = `${STORAGE.inputPrefix}${submitOptions.name ?? `${jobId}${STORAGE.inputSuffix}`}`;
      const metadata: Record<string, string> = { [UPLOAD_METADATA.jobId]: jobId };
      if (submitOptions.options !== undefined)
        metadata[UPLOAD_METADATA.options] = JSON.stringify(submitOptions.options);
      const put = { contentType: 'application/x-ndjson', metadata };
      if (typeof body === 'string' || body instanceof Uint8Array) await deps.input.put(key, body, put);
      else await deps.input.putStream(key, body, put);
      const info = await deps.input.head(key);
      if (info === null) throw new Error(`upload of ${key} vanished`);
      const sequencer = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
      await fanOut(
        objectCreatedEvent({
          bucket: resources.inputBucket,
          key,
          size: info.size,
          etag: info.etag,
          sequencer,
          region: endpoints.region,
        }),
      );
      return jobId;
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
      await Promise.all(sources.map((s) => s.stop()));
      clients.destroy();
      await endpoints.stop();
    },
  };
}

import {
  type Clock,
  ConfigurationError,
  ENDPOINT,
  type JobStore,
  type Logger,
  newJobId,
  type ObjectStore,
  PriceList,
  parse,
} from '@thinkbatch/core';
import type { LabellingDeps } from '@thinkbatch/labelling';
import { z } from 'zod';

const Count = z.number().int().positive();

/**
 * The API's limits and defaults, parsed once by its composition root (`parseApiConfig`), like the
 * pipeline's `PipelineConfig`.
 */
export const ApiConfig = z.strictObject({
  /** Largest inline input (`input.content`, UTF-8 bytes); larger files take a presigned upload. @default 4 MiB */
  maxInlineBytes: Count.default(4 * 1024 * 1024),
  /**
   * Largest request body, JSON escaping of an inline input included; larger ones are refused with 413
   * before they are read. Lambda takes at most 6 MB synchronously. @default 6 MiB
   */
  maxRequestBytes: Count.default(6 * 1024 * 1024),
  /** Lifetime of a presigned upload slot. @default 900 (15 minutes) */
  uploadTtlSeconds: Count.max(7 * 24 * 3600).default(900),
  /** Lifetime of a presigned download link. @default 900 (15 minutes) */
  linkTtlSeconds: Count.max(7 * 24 * 3600).default(900),
  /**
   * A running job of at most this many chunks shows live counts (every chunk summed on each read); a
   * larger one shows the counts of its complete chunks, one read whatever its size. @default 200
   */
  liveProgressMaxChunks: Count.default(200),
  /** Jobs per page of `GET /v1/jobs` when the client asks for no limit. @default 20 */
  defaultPageSize: Count.default(20),
  /** Most result lines a page of a running job's results reads. @default 100 */
  maxResultLines: Count.default(100),
  /** Model whose prices estimate a running job's cost when the job names none. @default ENDPOINT.model */
  defaultModel: z.string().min(1).default(ENDPOINT.model),
  /** Prices per model for the cost estimate; null → no estimate. @default null */
  prices: PriceList.nullable().default(null),
  /**
   * Requests one token may make per window (every route but the health check and the dashboard's files);
   * past it 429 `too_many_requests` with `Retry-After`. Null → no limit. @default 1200 per 60 s
   */
  rateLimit: z
    .strictObject({ requests: Count, windowSeconds: Count.max(3600) })
    .nullable()
    .default({ requests: 1200, windowSeconds: 60 }),
});
export type ApiConfig = z.output<typeof ApiConfig>;
export type ApiConfigInput = z.input<typeof ApiConfig>;

/** Validate the API's configuration and fill in its defaults; throws `ConfigurationError`. */
export function parseApiConfig(input: ApiConfigInput = {}): ApiConfig {
  return parse(ApiConfig, input, 'API config');
}

/**
 * How the pipeline learns that an input arrived. On AWS nothing is to be done: the input bucket's
 * notification starts the fan-out. The local emulator delivers no notifications, so the local runtime
 * does it (`createLocalUploadNotifier` in `@thinkbatch/local`).
 */
export interface UploadNotifier {
  /** The API stored the object under `key` of the input bucket. */
  uploaded(key: string): Promise<void>;
  /** A client may upload `key` through a presigned slot until `until` (epoch ms). */
  expect(key: string, until: number): void;
}

/** An UploadNotifier for AWS, where the bucket notification starts every fan-out. */
export const bucketNotifications: UploadNotifier = {
  uploaded: async () => {},
  expect: () => {},
};

/** What `createApiApp` runs on: the core ports, the upload notifier, the token and the configuration. */
export interface ApiDeps {
  readonly jobs: JobStore;
  /** The input bucket: inline inputs are stored here, upload slots point here. */
  readonly input: ObjectStore;
  /** The output bucket: results, errors and summaries are read or linked from here. */
  readonly output: ObjectStore;
  readonly uploads: UploadNotifier;
  readonly clock: Clock;
  /** Request logs and server errors; never headers, so never the token. */
  readonly log: Logger;
  /** The bearer token every route but the health check requires. Must be at least 16 characters. */
  readonly token: string;
  /**
   * A second token that may list and read jobs but not create, cancel or retry them (403 `forbidden`).
   * At least 16 characters, and not the token. @default null (none)
   */
  readonly readToken?: string | null;
  /** @default parseApiConfig() */
  readonly config?: ApiConfig;
  /** A fresh job id for a request without `Idempotency-Key`. @default newJobId */
  readonly newJobId?: () => string;
  /**
   * Labelling tasks (`/v1/labelling/…`): its deps, and what to tell when a task was stored (the embedded
   * scheduler reschedules). @default null (the labelling routes answer 404)
   */
  readonly labelling?: {
    readonly deps: LabellingDeps;
    readonly tasksChanged?: () => void | Promise<void>;
  } | null;
}

/** ApiDeps with every default filled in. */
export interface ResolvedApiDeps extends Required<Omit<ApiDeps, 'token' | 'readToken' | 'labelling'>> {
  readonly token: string;
  readonly readToken: string | null;
  readonly labelling: NonNullable<ApiDeps['labelling']> | null;
}

/** Fill in the defaults of `deps`; throws `ConfigurationError` on a token too short to be a secret. */
export function resolveApiDeps(deps: ApiDeps): ResolvedApiDeps {
  if (deps.token.length < 16) throw new ConfigurationError('the API token must be at least 16 characters');
  const readToken = deps.readToken ?? null;
  if (readToken !== null && readToken.length < 16)
    throw new ConfigurationError('the read-only API token must be at least 16 characters');
  if (readToken === deps.token)
    throw new ConfigurationError('the read-only API token must differ from the API token');
  return {
    ...deps,
    readToken,
    config: deps.config ?? parseApiConfig(),
    newJobId: deps.newJobId ?? (() => newJobId()),
    labelling: deps.labelling ?? null,
  };
}

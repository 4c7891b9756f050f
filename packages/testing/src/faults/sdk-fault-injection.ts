import { Readable } from 'node:stream';
import type { SdkCall, SdkFault, SdkFaultPlan, SdkService } from './sdk-fault-plan';

/**
 * The part of an AWS SDK v3 client this module needs: its middleware stack. (Structural, so the kit needs
 * no `@smithy/types`; every `S3Client`, `SQSClient` and `DynamoDBClient` is one.)
 */
export interface SdkClientWithMiddleware {
  readonly middlewareStack: {
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's middleware types are generic per client
    add(middleware: any, options: Record<string, unknown>): void;
    remove(toRemove: string): boolean;
  };
}

/** A raw HTTP response, as the SDK's deserializers take it. */
interface RawResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: Readable;
}

const SDK_SERVICES: readonly SdkService[] = ['s3', 'sqs', 'dynamodb'];
const NAMES = { request: 'thinkbatchFaultsRequest', attempt: 'thinkbatchFaultsAttempt' } as const;

/**
 * Put `plan` between real SDK clients and the emulators. Every call still goes over real HTTP unless the
 * plan refuses it: refusals are real error responses in the service's own protocol, turned into errors by
 * the SDK's deserializers and retried by its retry strategy, exactly as a throttling or failing service
 * would be. Middleware added to a client applies to every later call. Returns a function that removes it.
 */
export function injectSdkFaults(
  clients: Partial<Record<SdkService, SdkClientWithMiddleware>>,
  plan: SdkFaultPlan,
): () => void {
  const installed: SdkClientWithMiddleware[] = [];
  for (const service of SDK_SERVICES) {
    const client = clients[service];
    if (client === undefined) continue;
    client.middlewareStack.add(requestMiddleware(service, plan), {
      step: 'initialize',
      priority: 'high',
      name: NAMES.request,
    });
    // Inside the retry strategy and the deserializer: each attempt is decided, and a refusal is parsed.
    client.middlewareStack.add(attemptMiddleware(service, plan), {
      step: 'deserialize',
      priority: 'low',
      name: NAMES.attempt,
    });
    installed.push(client);
  }
  return () => {
    for (const client of installed) {
      client.middlewareStack.remove(NAMES.request);
      client.middlewareStack.remove(NAMES.attempt);
    }
  };
}

type Next = (args: { input: Record<string, unknown>; request?: unknown }) => Promise<{
  output?: Record<string, unknown>;
  response?: unknown;
}>;
type Context = { commandName?: string; [CALL_FAULT]?: SdkFault };
/** Where a fault decided for a whole call waits for each of its attempts (the context is per call). */
const CALL_FAULT = Symbol('thinkbatch call fault');

function callOf(service: SdkService, context: Context, input: Record<string, unknown>): SdkCall {
  return { service, operation: (context.commandName ?? '').replace(/Command$/, ''), input };
}

/** SendMessageBatch answered 200 with some entries listed as `Failed` (and not sent). */
function requestMiddleware(service: SdkService, plan: SdkFaultPlan) {
  return (next: Next, context: Context) => async (args: { input: Record<string, unknown> }) => {
    const call = callOf(service, context, args.input);
    const fault = plan.decide(call, 'request');
    if (fault !== null && fault.kind !== 'partial_batch') context[CALL_FAULT] = fault;
    if (fault?.kind !== 'partial_batch' || call.operation !== 'SendMessageBatch') return next(args);
    const entries = (args.input['Entries'] ?? []) as readonly { Id?: string }[];
    const failing = entries.slice(0, Math.min(fault.entries, entries.length));
    const kept = entries.slice(failing.length);
    const failed = failing.map((entry) => ({
      Id: entry.Id,
      SenderFault: false,
      Code: 'InternalError',
      Message: 'injected: the entry was not enqueued',
    }));
    if (kept.length === 0)
      return { output: { $metadata: { httpStatusCode: 200 }, Successful: [], Failed: failed } };
    const result = await next({ ...args, input: { ...args.input, Entries: kept } });
    const output = result.output ?? {};
    const already = (output['Failed'] ?? []) as readonly unknown[];
    return { ...result, output: { ...output, Failed: [...already, ...failed] } };
  };
}

function attemptMiddleware(service: SdkService, plan: SdkFaultPlan) {
  return (next: Next, context: Context) =>
    async (args: { input: Record<string, unknown>; request?: unknown }) => {
      const fault = context[CALL_FAULT] ?? plan.decide(callOf(service, context, args.input), 'attempt');
      if (fault === null) return next(args);
      switch (fault.kind) {
        case 'throttled':
        case 'unavailable':
          return { response: errorResponse(service, fault.kind) };
        case 'lost_response': {
          const applied = await next(args);
          drain(applied.response);
          return { response: errorResponse(service, 'unavailable') };
        }
        case 'slow_response': {
          const answered = await next(args);
          await new Promise((resolve) => setTimeout(resolve, fault.ms));
          return answered;
        }
        case 'partial_batch':
          return next(args);
        case 'refused':
          return { response: s3Refusal(fault.status, fault.code) };
      }
    };
}

/** Read and discard a response body the caller will never see, so its connection is reused. */
function drain(response: unknown): void {
  const body = (response as { body?: unknown } | undefined)?.body;
  if (body instanceof Readable) body.resume();
}

/** S3's error answer to a request it refuses for good (a 4xx with its code), as S3 sends it. */
function s3Refusal(status: number, code: string): RawResponse {
  const requestId = 'injected-fault';
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected: refused for good</Message><RequestId>${requestId}</RequestId></Error>`;
  return raw(status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId }, xml);
}

/** The error response each service sends for a throttled or failed request, in its own protocol. */
function errorResponse(
  service: SdkService,
  kind: Exclude<SdkFault['kind'], 'lost_response' | 'slow_response' | 'partial_batch' | 'refused'>,
): RawResponse {
  const requestId = 'injected-fault';
  if (service === 's3') {
    const [status, code, message] =
      kind === 'throttled'
        ? [503, 'SlowDown', 'Please reduce your request rate.']
        : [500, 'InternalError', 'We encountered an internal error. Please try again.'];
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`;
    return raw(status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId }, xml);
  }
  const json = 'application/x-amz-json-1.0';
  if (service === 'dynamodb') {
    const [status, type, message] =
      kind === 'throttled'
        ? [400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.']
        : [500, 'InternalServerError', 'Internal server error'];
    const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
    return raw(status, { 'content-type': json, 'x-amzn-requestid': requestId }, body);
  }
  const [status, type, message] =
    kind === 'throttled'
      ? [400, 'RequestThrottled', 'Rate exceeded']
      : [500, 'InternalError', 'Internal error'];
  const body = JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message });
  return raw(
    status,
    {
      'content-type': json,
      'x-amzn-requestid': requestId,
      'x-amzn-query-error': `${type};${status < 500 ? 'Sender' : 'Receiver'}`,
    },
    body,
  );
}

function raw(statusCode: number, headers: Record<string, string>, body: string): RawResponse {
  return { statusCode, headers, body: Readable.from([Buffer.from(body)]) };
}

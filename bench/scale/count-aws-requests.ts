/**
 * Counts the requests the runtime's AWS SDK clients send, by service and command (`DynamoDB.UpdateItem`),
 * with a middleware on each client: what the cost model prices. Retries of one send count once (the
 * middleware sits before the SDK's retry step), as AWS bills each attempt that reaches it — so on a
 * quiet emulator the two agree.
 */
import type { AwsClients } from '../../packages/local/src/index';

/** Whether a DynamoDB request is for an endpoint's rate gate item (partition key `GATE#…`). */
function isRateGateItem(args: unknown): boolean {
  const input = (args as { input?: { Key?: unknown; Item?: unknown } } | undefined)?.input;
  const key = (input?.Key ?? input?.Item) as { pk?: { S?: unknown } } | undefined;
  return typeof key?.pk?.S === 'string' && key.pk.S.startsWith('GATE#');
}

/** Requests sent so far, by `Service.Command` (DynamoDB's on a rate gate item marked `(rate gate)`). */
export type RequestCounts = Record<string, number>;

/** Start counting on `clients`; the returned object fills in as requests go out. */
export function countAwsRequests(clients: Pick<AwsClients, 's3' | 'sqs' | 'dynamodb'>): RequestCounts {
  const counts: RequestCounts = {};
  // The SDK's middleware shape, written out: @smithy/types is not a dependency of bench/.
  type Next = (args: unknown) => Promise<unknown>;
  const counter =
    (service: string) =>
    (next: Next, context: { readonly commandName?: string }): Next =>
    async (args) => {
      const command = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      const name = `${service}.${command}${isRateGateItem(args) ? ' (rate gate)' : ''}`;
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    };
  const options = (service: string) => ({ step: 'initialize' as const, name: `scaleBenchCount${service}` });
  clients.s3.middlewareStack.add(counter('S3') as never, options('S3'));
  clients.sqs.middlewareStack.add(counter('SQS') as never, options('SQS'));
  clients.dynamodb.middlewareStack.add(counter('DynamoDB') as never, options('DynamoDB'));
  return counts;
}

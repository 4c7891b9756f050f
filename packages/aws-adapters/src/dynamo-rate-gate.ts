import {
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandOutput,
  PutItemCommand,
  type PutItemCommandOutput,
  UpdateItemCommand,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import {
  type Clock,
  describeGate,
  ErrorCode,
  type GateContext,
  gateAcquire,
  gateRelease,
  gateReport,
  parseRateGateSettings,
  type RateGate,
  RateGateError,
  type RateGateSettings,
  RateGateState,
  startGateState,
  systemClock,
} from '@thinkbatch/core';
import { STORAGE } from '@thinkbatch/core/settings';
import { awsErrorFacts, isTransientAwsError } from './aws-error';

/** The three single-item calls the gate makes; a `DynamoDBClient` is one. */
export interface DynamoRateGateClient {
  send(command: GetItemCommand): Promise<GetItemCommandOutput>;
  send(command: PutItemCommand): Promise<PutItemCommandOutput>;
  send(command: UpdateItemCommand): Promise<UpdateItemCommandOutput>;
}

/** Options of {@link createDynamoRateGate}. */
export interface DynamoRateGateOptions {
  /** A `DynamoDBClient` (or anything that sends the same three commands). */
  readonly dynamodb: DynamoRateGateClient | DynamoDBClient;
  /** The jobs table: the gate is one more item in it (`pk` `GATE#<key>`, `sk` `GATE`). */
  readonly tableName: string;
  /** The endpoint key (see `rateGateKey`): URL, model and a hash of the API key, never the key. */
  readonly key: string;
  /** Limits of the endpoint; missing fields take the defaults of `RateGateSettings`. @default {} */
  readonly settings?: Partial<RateGateSettings>;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Read-modify-write attempts before contention counts as a failure. @default 50 */
  readonly maxAttempts?: number;
  /**
   * Pause between attempts that lost a race (real time, not the gate's clock: it spaces requests to
   * DynamoDB, it is no part of the gate's behaviour). @default random up to min(2^attempt, 50) ms
   */
  readonly contentionPause?: (attempt: number) => Promise<void>;
}

/** Sort key of the gate item. */
export const GATE_SORT_KEY = 'GATE';
/** Partition key prefix of gate items. */
export const GATE_PARTITION_PREFIX = 'GATE#';

const PK = STORAGE.tablePartitionKey;
const SK = STORAGE.tableSortKey;

const defaultPause = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));

interface Versioned {
  readonly version: number;
  readonly state: RateGateState;
}

/**
 * The rate gate on DynamoDB, shared by every worker invocation: one item per endpoint in the jobs table,
 * holding the gate's whole state (JSON) and a version. Each call reads the item (or reuses the copy its
 * own last write left), applies the same pure transition as the in-memory gate, and writes it back with
 * one conditional update on the version — no transactions, so it runs on dynalite too. A lost race
 * re-reads and retries. Callers lease capacity in batches, so the item sees a few writes per lease, not
 * one per endpoint call.
 */
export function createDynamoRateGate(options: DynamoRateGateOptions): RateGate {
  const { tableName, key } = options;
  const db = options.dynamodb as DynamoRateGateClient;
  const clock = options.clock ?? systemClock;
  const settings = parseRateGateSettings(options.settings ?? {});
  const maxAttempts = options.maxAttempts ?? 50;
  const pause = options.contentionPause ?? defaultPause;
  const itemKey = { [PK]: { S: `${GATE_PARTITION_PREFIX}${key}` }, [SK]: { S: GATE_SORT_KEY } };
  let cached: Versioned | null = null;

  const fail = (what: string, error: unknown): never => {
    if (error instanceof RateGateError) throw error;
    const facts = awsErrorFacts(error);
    // Throttled or a server error: busy, not broken (callers ask again later); anything else is a failure.
    const busy = facts.status !== undefined && isTransientAwsError(facts);
    throw new RateGateError(`${what} of rate gate ${key} on ${tableName}: ${facts.name}: ${facts.message}`, {
      cause: error,
      ...(busy && { code: ErrorCode.unavailable }),
    });
  };

  const read = async (): Promise<Versioned> => {
    let out: GetItemCommandOutput;
    try {
      out = await db.send(new GetItemCommand({ TableName: tableName, Key: itemKey, ConsistentRead: true }));
    } catch (error) {
      return fail('read', error);
    }
    const item = out.Item;
    if (item === undefined) return { version: 0, state: startGateState(settings, clock.now()) };
    const version = Number(item['version']?.N);
    let json: unknown = null;
    try {
      json = JSON.parse(item['state']?.S ?? 'null');
    } catch {
      // Not JSON: reported below as not a gate state.
    }
    const parsed = RateGateState.safeParse(json);
    if (!Number.isSafeInteger(version) || !parsed.success) {
      throw new RateGateError(`rate gate ${key} on ${tableName}: the item is not a gate state`, {
        cause: parsed.error,
      });
    }
    return { version, state: parsed.data };
  };

  /** Write `state` if the item is still at `version`; false when another writer got there first. */
  const write = async (version: number, state: RateGateState): Promise<boolean> => {
    const values = {
      ':state': { S: JSON.stringify(state) },
      ':next': { N: String(version + 1) },
      ':at': { N: String(clock.now()) },
    };
    try {
      if (version === 0) {
        await db.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...itemKey, state: values[':state'], version: values[':next'], updatedAt: values[':at'] },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }),
        );
      } else {
        await db.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: itemKey,
            UpdateExpression: 'SET #state = :state, #version = :next, #updatedAt = :at',
            ConditionExpression: '#version = :version',
            ExpressionAttributeNames: { '#state': 'state', '#version': 'version', '#updatedAt': 'updatedAt' },
            ExpressionAttributeValues: { ...values, ':version': { N: String(version) } },
          }),
        );
      }
      return true;
    } catch (error) {
      if (awsErrorFacts(error).name === 'ConditionalCheckFailedException') return false;
      return fail('write', error);
    }
  };

  const apply = async <T>(
    transition: (state: RateGateState, context: GateContext) => { state: RateGateState; result: T },
  ): Promise<T> => {
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const current = cached ?? (await read());
      const next = transition(current.state, { now: clock.now(), settings });
      if (await write(current.version, next.state)) {
        cached = { version: current.version + 1, state: next.state };
        return next.result;
      }
      cached = null;
      if (attempt > 1) await pause(attempt);
    }
    // Busy, not broken: callers ask again later (`isGateBusy`).
    throw new RateGateError(
      `rate gate ${key} on ${tableName}: still contended after ${maxAttempts} attempts`,
      {
        code: ErrorCode.unavailable,
      },
    );
  };

  return {
    key,
    acquire: (request) => apply((state, context) => gateAcquire(state, request, context)),
    report: (report) => apply((state, context) => gateReport(state, report, context)),
    release: (report) => apply((state, context) => gateRelease(state, report, context)),
    snapshot: async () => describeGate((await read()).state, key, { now: clock.now(), settings }),
  };
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createDynamoRateGate,
  type DynamoRateGateClient,
} from '../../packages/aws-adapters/src/dynamo-rate-gate';
import {
  DEAD_LETTER,
  FAN_OUT_FAILURES,
  FANOUT,
  STORAGE,
  SWEEPER,
  WORKER,
} from '../../packages/core/src/settings';
import { ACCESS, type LinkName } from './access';
import { API_HANDLER, API_URL } from './api';
import {
  DEAD_LETTER_HANDLER,
  FAN_OUT_FAILURE_HANDLER,
  FAN_OUT_HANDLER,
  functionArgs,
  type HandlerSpec,
  SWEEPER_HANDLER,
  WORKER_HANDLER,
  withOnFailureDestination,
} from './handlers';
import { LABELLING_EVENTS_HANDLER, LABELLING_TICK_HANDLER } from './labelling-handlers';

const root = join(import.meta.dirname, '..', '..');
const HANDLERS = {
  fanOut: FAN_OUT_HANDLER,
  worker: WORKER_HANDLER,
  deadLetter: DEAD_LETTER_HANDLER,
  fanOutFailure: FAN_OUT_FAILURE_HANDLER,
  sweeper: SWEEPER_HANDLER,
  api: API_HANDLER,
  labellingTick: LABELLING_TICK_HANDLER,
  labellingEvents: LABELLING_EVENTS_HANDLER,
} as const;
const linkedBy = (name: LinkName) =>
  Object.entries(HANDLERS)
    .filter(([, spec]) => (spec.links as readonly LinkName[]).includes(name))
    .map(([key]) => key);

describe('handler specs', () => {
  it.each(Object.entries(HANDLERS))('%s names a module that exports `handler`', (_, spec) => {
    const match = /^(.+)\.([A-Za-z_$][\w$]*)$/.exec(spec.handler);
    expect(match?.[2]).toBe('handler');
    const file = join(root, `${match?.[1]}.ts`);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/export (const|(async )?function) handler\b/);
  });

  it('takes timeouts and memory from the shared settings', () => {
    expect(FAN_OUT_HANDLER).toMatchObject({
      timeoutSeconds: FANOUT.timeoutSeconds,
      memoryMb: FANOUT.memoryMb,
    });
    expect(WORKER_HANDLER).toMatchObject({
      timeoutSeconds: WORKER.timeoutSeconds,
      memoryMb: WORKER.memoryMb,
    });
    expect(DEAD_LETTER_HANDLER.timeoutSeconds).toBe(DEAD_LETTER.timeoutSeconds);
    expect(FAN_OUT_FAILURE_HANDLER.timeoutSeconds).toBe(FAN_OUT_FAILURES.timeoutSeconds);
    expect(SWEEPER_HANDLER).toMatchObject({
      timeoutSeconds: SWEEPER.timeoutSeconds,
      memoryMb: SWEEPER.memoryMb,
    });
  });

  it('builds SST function args: explicit nodejs24.x, durations and sizes in SST units, links resolved', () => {
    const args = functionArgs(WORKER_HANDLER, (name) => `link:${name}`, { THINKBATCH_MODEL: 'm' });
    expect(args).toEqual({
      handler: 'packages/functions/src/worker.handler',
      runtime: 'nodejs24.x',
      timeout: `${WORKER.timeoutSeconds} seconds`,
      memory: `${WORKER.memoryMb} MB`,
      link: [
        'link:InputBucket',
        'link:OutputBucket',
        'link:JobsTable',
        'link:WorkQueue',
        'link:NvidiaApiKey',
        'link:LabellingEvents',
      ],
      environment: { THINKBATCH_MODEL: 'm' },
      logging: { format: 'json', retention: '1 month' },
    });
  });
});

describe('least privilege', () => {
  it('links the API key to the worker only', () => {
    expect(linkedBy('NvidiaApiKey')).toEqual(['worker']);
  });

  it('lets the DLQ consumer touch neither the uploads nor the key', () => {
    expect(DEAD_LETTER_HANDLER.links).not.toContain('InputBucket');
    expect(DEAD_LETTER_HANDLER.links).not.toContain('NvidiaApiKey');
  });

  it('links every resource to some handler, and each handler at most once to a resource', () => {
    for (const name of Object.keys(ACCESS) as LinkName[]) expect(linkedBy(name).length).toBeGreaterThan(0);
    for (const spec of Object.values(HANDLERS) as HandlerSpec[])
      expect(new Set(spec.links).size).toBe(spec.links.length);
  });

  it('gives read-only access to the uploads', () => {
    const actions = [...ACCESS.InputBucket.bucketActions, ...ACCESS.InputBucket.objectActions];
    expect(actions.filter((action) => !/^s3:(Get|List)/.test(action))).toEqual([]);
  });

  it('links the API read-mostly: inputs under inputs/ without delete, outputs read-only, no work queue, no endpoint key', () => {
    expect(API_HANDLER.links).toEqual([
      'ApiInputs',
      'ApiOutputs',
      'JobsTable',
      'JobListIndexes',
      'ApiToken',
      'ApiReadToken',
      'LabellingBucket',
    ]);
    expect(ACCESS.ApiInputs.objectPrefix).toBe(STORAGE.inputPrefix);
    expect(ACCESS.ApiInputs.objectActions).not.toContain('s3:DeleteObject');
    const outputs = [...ACCESS.ApiOutputs.bucketActions, ...ACCESS.ApiOutputs.objectActions];
    expect(outputs.filter((action) => !/^s3:(Get|List)/.test(action))).toEqual([]);
    expect(ACCESS.JobListIndexes.actions).toEqual(['dynamodb:Query']);
  });

  it('links the API token and the job-list indexes to the API only, and the API to nothing that runs lines', () => {
    expect(linkedBy('ApiToken')).toEqual(['api']);
    expect(linkedBy('ApiReadToken')).toEqual(['api']);
    expect(linkedBy('JobListIndexes')).toEqual(['api']);
    expect(linkedBy('ApiInputs')).toEqual(['api']);
    expect(linkedBy('ApiOutputs')).toEqual(['api']);
    for (const name of [
      'WorkQueue',
      'NvidiaApiKey',
      'UnfinishedJobs',
      'InputBucket',
      'OutputBucket',
    ] as const)
      expect(API_HANDLER.links).not.toContain(name);
  });

  it('serves the API through a Function URL without URL auth (the app checks the token) and without CORS', () => {
    expect(API_URL).toEqual({ authorization: 'none', cors: false });
    expect(functionArgs(API_HANDLER, (name) => name, {})).toMatchObject({
      handler: 'packages/functions/src/api.handler',
      runtime: 'nodejs24.x',
      timeout: '120 seconds',
    });
  });

  it('grants named actions of the right service only, never wildcards', () => {
    const service = { bucket: 's3', table: 'dynamodb', index: 'dynamodb', queue: 'sqs' } as const;
    for (const access of Object.values(ACCESS)) {
      if (access.kind === 'secret') continue;
      const actions =
        access.kind === 'bucket' ? [...access.bucketActions, ...access.objectActions] : [...access.actions];
      expect(actions.length).toBeGreaterThan(0);
      for (const action of actions) expect(action).toMatch(new RegExp(`^${service[access.kind]}:[A-Za-z]+$`));
    }
  });

  it('lets only the sweeper list unfinished jobs, and only by Query', () => {
    expect(linkedBy('UnfinishedJobs')).toEqual(['sweeper']);
    expect(ACCESS.UnfinishedJobs.actions).toEqual(['dynamodb:Query']);
  });

  it('gives the fan-out failure consumer neither the key nor the work queue: it only fails jobs', () => {
    expect(FAN_OUT_FAILURE_HANDLER.links).toEqual([
      'InputBucket',
      'OutputBucket',
      'JobsTable',
      'LabellingEvents',
    ]);
  });

  it('gives the sweeper what a resumed fan-out needs, and not the key', () => {
    for (const name of FAN_OUT_HANDLER.links) expect(SWEEPER_HANDLER.links).toContain(name);
    expect(SWEEPER_HANDLER.links).not.toContain('NvidiaApiKey');
  });

  it("lets the worker's rate gate run on its JobsTable link alone: one item of the table, no other action", async () => {
    const sent: string[] = [];
    const gate = createDynamoRateGate({
      dynamodb: {
        send: async (command: { constructor: { name: string } }) => {
          sent.push(`dynamodb:${command.constructor.name.replace(/Command$/, '')}`);
          return {};
        },
      } as unknown as DynamoRateGateClient,
      tableName: 'jobs',
      key: 'https://example.com/v1|m|-',
    });
    const holder = { holder: 'w', leaseId: null, inUse: 0, outcomes: [] };
    await gate.acquire({
      ...holder,
      holdUntil: Date.now() + 60_000,
      startsHeld: 0,
      want: { requests: 1, slots: 1 },
    });
    await gate.report(holder);
    await gate.release(holder);
    await gate.snapshot();
    expect(new Set(sent)).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
    for (const action of sent) expect(ACCESS.JobsTable.actions).toContain(action);
    expect(WORKER_HANDLER.links).toContain('JobsTable');
  });

  it('never lets a handler scan the table or receive from the work queue through its link', () => {
    expect(ACCESS.JobsTable.actions).not.toContain('dynamodb:Scan');
    expect(ACCESS.WorkQueue.actions).not.toContain('sqs:ReceiveMessage');
    expect(ACCESS.WorkQueue.actions).not.toContain('sqs:DeleteMessage');
  });
});

describe('the fan-out’s asynchronous invocation', () => {
  const args = withOnFailureDestination(
    functionArgs(FAN_OUT_HANDLER, (name) => name, {}),
    'arn:failures',
  );

  it('is retried twice, so SST creates the event invoke config, and then goes to the failure queue', () => {
    expect(FANOUT.asyncRetries).toBe(2);
    expect(args.retries).toBe(FANOUT.asyncRetries);
    expect(args.transform).toEqual({
      eventInvokeConfig: { destinationConfig: { onFailure: { destination: 'arn:failures' } } },
    });
  });

  it('may send to that queue and nothing else beyond its links', () => {
    expect(args.permissions).toEqual([{ actions: ['sqs:SendMessage'], resources: ['arn:failures'] }]);
    expect(args.link).toEqual([...FAN_OUT_HANDLER.links]);
    expect(args.handler).toBe(FAN_OUT_HANDLER.handler);
  });
});

describe('labelling', () => {
  it('lets exactly the functions that end jobs publish job finished events, and only send', () => {
    expect(linkedBy('LabellingEvents').sort()).toEqual(['fanOut', 'fanOutFailure', 'sweeper', 'worker']);
    expect(ACCESS.LabellingEvents.actions).toEqual(['sqs:SendMessage']);
  });

  it('links the labelling functions to their bucket, inputs/ without delete, outputs read-only, no key, no work queue', () => {
    for (const spec of [LABELLING_TICK_HANDLER, LABELLING_EVENTS_HANDLER]) {
      expect(spec.links).toEqual(['LabellingBucket', 'LabellingInputs', 'LabellingOutputs', 'JobsTable']);
    }
    expect(linkedBy('LabellingBucket').sort()).toEqual(['api', 'labellingEvents', 'labellingTick']);
    expect(ACCESS.LabellingInputs.objectPrefix).toBe(STORAGE.inputPrefix);
    expect(ACCESS.LabellingInputs.objectActions).not.toContain('s3:DeleteObject');
    const outputs = [...ACCESS.LabellingOutputs.bucketActions, ...ACCESS.LabellingOutputs.objectActions];
    expect(outputs.filter((action) => !/^s3:(Get|List)/.test(action))).toEqual([]);
  });
});

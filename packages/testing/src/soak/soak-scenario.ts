import { createSoakDice, type SoakDice } from './soak-dice';
import { drawLineFaults, drawWindows } from './soak-endpoint-draws';
import type {
  SoakCrash,
  SoakFaultFamily,
  SoakJobPlan,
  SoakRuntimePlan,
  SoakScenario,
  SoakSdkRule,
} from './soak-scenario-types';

export interface SoakScenarioOptions {
  readonly seed: number;
  /** Input lines over all jobs. @default 150 */
  readonly lines?: number;
  /** Jobs sharing the endpoint at once. @default drawn from 1–3 */
  readonly jobs?: number;
  /**
   * Fault families left out (to find which one breaks a seed); the draws stay the same, so the rest of
   * the scenario is the seed's. @default none
   */
  readonly without?: readonly SoakFaultFamily[];
}

/** The scenario without the given fault families. */
function without(scenario: SoakScenario, families: readonly SoakFaultFamily[]): SoakScenario {
  const off = new Set(families);
  const { runtime } = scenario;
  const seconds = Math.ceil(runtime.workerTimeoutMs / 1_000) + 1;
  return {
    ...scenario,
    without: [...off],
    ...(off.has('endpoint') && {
      endpoint: {
        ...scenario.endpoint,
        faultRates: {},
        requestsPerWindow: null,
        windows: [],
        lineFaults: [],
      },
    }),
    ...(off.has('sdk') && { sdk: [] }),
    ...(off.has('crashes') && { crashes: [] }),
    ...(off.has('events') && {
      jobs: scenario.jobs.map((j) => ({
        ...j,
        delivery: { copies: 1, delayMs: 0, spacingMs: 0 },
        lateEvent: false,
      })),
    }),
    ...(off.has('redeliveries') && {
      runtime: { ...runtime, visibilityTimeoutSeconds: Math.max(runtime.visibilityTimeoutSeconds, seconds) },
    }),
  };
}

/** The Lambda relations, scaled down; a third of the seeds make the visibility timeout the shorter. */
function drawRuntime(dice: SoakDice): SoakRuntimePlan {
  // Seconds, not Lambda's minutes, but long enough that a busy 2-core machine alone rarely kills one.
  const workerTimeoutMs = dice.int(10, 20) * 1_000;
  const seconds = workerTimeoutMs / 1_000;
  const visibilityTimeoutSeconds = dice.chance(1 / 3) ? dice.int(3, seconds - 1) : seconds + dice.int(1, 3);
  return { workerTimeoutMs, visibilityTimeoutSeconds, maxConcurrency: dice.int(2, 6) };
}

function drawJobs(dice: SoakDice, lines: number, count: number): SoakJobPlan[] {
  return Array.from({ length: count }, (_, index) => {
    const share = Math.floor(lines / count) + (index < lines % count ? 1 : 0);
    const copies = dice.int(1, 3);
    return {
      index,
      tag: 1_000 * (index + 1),
      lines: share,
      maxAttempts: dice.int(4, 8),
      linesPerChunk: dice.int(2, 12),
      attemptTimeoutMs: dice.int(15, 30) * 100,
      delivery: {
        copies,
        delayMs: dice.chance(0.3) ? dice.int(50, 800) : 0,
        spacingMs: copies > 1 ? dice.int(0, 300) : 0,
      },
      lateEvent: dice.chance(0.5),
      startDelayMs: index === 0 ? 0 : dice.int(0, 1_500),
    };
  });
}

function drawCrashes(dice: SoakDice, jobs: readonly SoakJobPlan[]): SoakCrash[] {
  return jobs.flatMap((job) =>
    dice
      .sample(job.lines, Math.max(1, Math.round(job.lines * dice.between(0.01, 0.04))))
      .map((line) => ({ job: job.index, line })),
  );
}

/**
 * Emulator faults through the real SDK clients: throttling and 500s on S3 and DynamoDB, ambiguous writes
 * (applied, answer lost), SendMessageBatch entries listed as Failed, lost acks (DeleteMessageBatch
 * refused on every SDK attempt: the work item comes back), and stalls that outlast the invocation (it is
 * killed mid-item, as Lambda kills a function at its timeout).
 */
function drawSdkRules(dice: SoakDice, runtime: SoakRuntimePlan, lines: number): SoakSdkRule[] {
  const rate = (max: number): number => Math.round(dice.between(max / 4, max) * 1_000) / 1_000;
  const stalls = Array.from({ length: dice.int(1, 2) }, () => ({
    label: 'dynamodb UpdateItem stall past the worker timeout',
    service: 'dynamodb' as const,
    operations: ['UpdateItem'],
    rate: 1,
    after: dice.int(lines, lines * 3),
    times: 1,
    fault: { kind: 'slow_response' as const, ms: runtime.workerTimeoutMs + 500 },
  }));
  return [
    ...stalls,
    {
      label: 'sqs DeleteMessageBatch refused (ack lost)',
      service: 'sqs',
      operations: ['DeleteMessageBatch'],
      rate: rate(0.6),
      fault: { kind: 'unavailable' },
    },
    {
      label: 'sqs SendMessageBatch entries Failed',
      service: 'sqs',
      operations: ['SendMessageBatch'],
      rate: rate(0.2),
      fault: { kind: 'partial_batch', entries: dice.int(1, 3) },
    },
    {
      label: 'dynamodb UpdateItem applied, answer lost',
      service: 'dynamodb',
      operations: ['UpdateItem'],
      rate: rate(0.02),
      fault: { kind: 'lost_response' },
    },
    {
      label: 'dynamodb throttled',
      service: 'dynamodb',
      operations: ['UpdateItem', 'GetItem', 'Query', 'PutItem'],
      rate: rate(0.04),
      fault: { kind: 'throttled' },
    },
    {
      label: 'dynamodb 500',
      service: 'dynamodb',
      operations: ['UpdateItem', 'GetItem', 'Query'],
      rate: rate(0.02),
      fault: { kind: 'unavailable' },
    },
    {
      label: 's3 SlowDown',
      service: 's3',
      operations: ['GetObject', 'PutObject'],
      rate: rate(0.05),
      fault: { kind: 'throttled' },
    },
    {
      label: 's3 500',
      service: 's3',
      operations: ['GetObject', 'PutObject', 'DeleteObject'],
      rate: rate(0.02),
      fault: { kind: 'unavailable' },
    },
  ];
}

/**
 * One soak scenario from one seed: a random mix of every fault over `lines` input lines in 1–3 jobs that
 * share the endpoint. The same seed gives the same scenario; what the pipeline makes of it is timing
 * dependent, the invariants it must keep are not.
 */
export function generateSoakScenario(options: SoakScenarioOptions): SoakScenario {
  const { seed } = options;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`soak seed must be an integer ≥ 0: ${seed}`);
  const lines = options.lines ?? 150;
  if (!Number.isInteger(lines) || lines < 1) throw new RangeError(`soak lines must be ≥ 1: ${lines}`);
  const dice = createSoakDice(seed);
  const jobCount = Math.min(options.jobs ?? dice.int(1, 3), lines);
  if (!Number.isInteger(jobCount) || jobCount < 1) throw new RangeError(`soak jobs must be ≥ 1: ${jobCount}`);
  const runtime = drawRuntime(dice);
  const jobs = drawJobs(dice, lines, jobCount);
  const rate = (max: number): number => Math.round(dice.between(0, max) * 1_000) / 1_000;
  const limited = dice.chance(0.6);
  const scenario: SoakScenario = {
    seed,
    lines,
    without: [],
    jobs,
    runtime,
    endpoint: {
      faultRates: {
        http500: rate(0.04),
        http503: rate(0.04),
        connectionReset: rate(0.03),
        slowHeaders: rate(0.02),
        truncatedBody: rate(0.03),
        nonJsonBody: rate(0.02),
        missingUsage: rate(0.05),
      },
      slowHeadersMs: dice.int(200, 1_500),
      retryAfterFormat: dice.pick(['seconds', 'milliseconds', 'both', 'date', 'none'] as const),
      requestsPerWindow: limited ? dice.int(20, 60) : null,
      rateWindowMs: 1_000,
      windows: drawWindows(dice, lines),
      lineFaults: drawLineFaults(dice, jobs, dice.between(0.04, 0.1)),
    },
    crashes: drawCrashes(dice, jobs),
    sdk: drawSdkRules(dice, runtime, lines),
  };
  return options.without === undefined ? scenario : without(scenario, options.without);
}

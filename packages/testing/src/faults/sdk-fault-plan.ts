import { seededRandom } from '../rate-control/simulated-endpoint';

/** The AWS services the embedded runtime talks to, one SDK client each. */
export type SdkService = 's3' | 'sqs' | 'dynamodb';

/**
 * What an injected fault does to one SDK call.
 * - `throttled`: the service refuses the attempt (S3 `SlowDown` 503, DynamoDB `ThrottlingException`,
 *   SQS `RequestThrottled`); the request never reaches the emulator.
 * - `unavailable`: a 500 (`InternalError` / `InternalServerError`); the request never reaches the emulator.
 * - `lost_response`: the request reaches the emulator and is applied, then the caller sees a 500 — the
 *   ambiguous failure a timeout or a dropped connection leaves behind.
 * - `slow_response`: the request is applied and its answer held back `ms` (a stall: the caller may be
 *   killed meanwhile).
 * - `partial_batch`: a SendMessageBatch answered 200 that lists `entries` of its entries as `Failed`
 *   (those were not enqueued; the others were, over real HTTP).
 * - `refused`: S3 refuses the request for good with a 4xx error `code` (e.g. 400 `EntityTooLarge`, 403
 *   `AccessDenied`), as it would again; the request never reaches the emulator. S3 only.
 */
export type SdkFault =
  | { readonly kind: 'throttled' }
  | { readonly kind: 'unavailable' }
  | { readonly kind: 'lost_response' }
  | { readonly kind: 'slow_response'; readonly ms: number }
  | { readonly kind: 'partial_batch'; readonly entries: number }
  | { readonly kind: 'refused'; readonly status: number; readonly code: string };

/** One SDK call as the plan sees it. */
export interface SdkCall {
  readonly service: SdkService;
  /** The command's name without `Command`: `UpdateItem`, `SendMessageBatch`, `PutObject`, … */
  readonly operation: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** When a rule strikes, and with what. */
export interface SdkFaultRule {
  readonly service: SdkService;
  /** Operations it applies to. @default every operation of the service */
  readonly operations?: readonly string[];
  /** A further test of the call's input (e.g. an update that records lines). @default every call */
  readonly when?: (input: Readonly<Record<string, unknown>>) => boolean;
  /** Matching calls let through before the rule may strike (a fault mid-job). @default 0 */
  readonly after?: number;
  /** Strikes at most. @default unlimited */
  readonly times?: number;
  /** Chance per matching call after `after`, drawn from the plan's seed. @default 1 */
  readonly rate?: number;
  /**
   * `attempt`: each HTTP attempt is decided on its own, so the SDK's retries may get through. `call`: one
   * decision per logical call, and a struck call fails every attempt (the SDK gives up). `partial_batch`
   * is always per call. @default 'attempt'
   */
  readonly scope?: 'attempt' | 'call';
  readonly fault: SdkFault;
}

/** A fault the plan decided, in the order decided. */
export interface InjectedSdkFault {
  readonly service: SdkService;
  readonly operation: string;
  readonly fault: SdkFault['kind'];
  /** Index of the call among those its rule matched (0-based). */
  readonly call: number;
}

/**
 * A seeded plan of SDK faults: the same seed and the same sequence of calls give the same faults. It only
 * decides; {@link injectSdkFaults} carries the decision out on real SDK clients.
 */
export interface SdkFaultPlan {
  readonly seed: number;
  /**
   * The fault for this call, or null. `stage` `request` is one logical call (where `partial_batch` and
   * rules scoped to the `call` apply), `attempt` each HTTP attempt of the SDK's retries (the others).
   */
  decide(call: SdkCall, stage: 'request' | 'attempt'): SdkFault | null;
  /** Every fault decided so far. */
  readonly injected: readonly InjectedSdkFault[];
  /** Stop injecting (calls go through untouched from now on). */
  disarm(): void;
}

/** Build a plan from rules, checked in order: the first rule that strikes decides. */
export function createSdkFaultPlan(options: { seed: number; rules: readonly SdkFaultRule[] }): SdkFaultPlan {
  const random = seededRandom(options.seed);
  const matched = options.rules.map(() => 0);
  const struck = options.rules.map(() => 0);
  const injected: InjectedSdkFault[] = [];
  let armed = true;
  for (const rule of options.rules) {
    const rate = rule.rate ?? 1;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate must be in [0, 1], got ${rate}`);
    if (rule.fault.kind === 'partial_batch' && rule.service !== 'sqs')
      throw new RangeError('partial_batch faults apply to SQS SendMessageBatch only');
    if (
      rule.fault.kind === 'refused' &&
      (rule.service !== 's3' || rule.fault.status < 400 || rule.fault.status > 499)
    )
      throw new RangeError('refused faults are S3 4xx answers');
  }
  return {
    seed: options.seed,
    injected,
    disarm: () => {
      armed = false;
    },
    decide: (call, stage) => {
      if (!armed) return null;
      for (const [i, rule] of options.rules.entries()) {
        const ruleStage =
          rule.fault.kind === 'partial_batch' || rule.scope === 'call' ? 'request' : 'attempt';
        if (ruleStage !== stage || rule.service !== call.service) continue;
        if (rule.operations !== undefined && !rule.operations.includes(call.operation)) continue;
        if (rule.when !== undefined && !rule.when(call.input)) continue;
        const index = matched[i] ?? 0;
        matched[i] = index + 1;
        if (index < (rule.after ?? 0) || (struck[i] ?? 0) >= (rule.times ?? Number.POSITIVE_INFINITY))
          continue;
        if (random() >= (rule.rate ?? 1)) continue;
        struck[i] = (struck[i] ?? 0) + 1;
        injected.push({
          service: call.service,
          operation: call.operation,
          fault: rule.fault.kind,
          call: index,
        });
        return rule.fault;
      }
      return null;
    },
  };
}

import type { Fault, FaultRates, RetryAfterFormat } from '@thinkbatch/simulator';
import type { SdkFault, SdkService } from '../faults/sdk-fault-plan';

/** One job of a soak: its own prompts (`tag`), its settings and how its upload's S3 event arrives. */
export interface SoakJobPlan {
  readonly index: number;
  /** Part of every prompt of this job (no two jobs of a scenario share a prompt). */
  readonly tag: number;
  readonly lines: number;
  readonly maxAttempts: number;
  readonly linesPerChunk: number;
  readonly attemptTimeoutMs: number;
  /** Copies of the upload's event and their timing (duplicated, late). */
  readonly delivery: { readonly copies: number; readonly delayMs: number; readonly spacingMs: number };
  /** The upload's event is delivered once more after the job ended. */
  readonly lateEvent: boolean;
  /** Wait before the upload: jobs overlap on the endpoint. */
  readonly startDelayMs: number;
}

/** A fault scripted for one input line (by its prompt), for its first `times` calls (null: every call). */
export interface SoakLineFault {
  readonly job: number;
  /** 0-based input line. */
  readonly line: number;
  /** What it rehearses: `http429 retry-after date`, `poison 400`, … */
  readonly label: string;
  readonly fault: Fault;
  readonly times: number | null;
}

/** A fault on every chat request whose index (over all jobs) is in [fromRequest, toRequest). */
export interface SoakFaultWindow {
  readonly fromRequest: number;
  readonly toRequest: number;
  readonly label: string;
  readonly fault: Fault;
}

/** How the simulated endpoint misbehaves. */
export interface SoakEndpointPlan {
  readonly faultRates: FaultRates;
  readonly slowHeadersMs: number;
  /** Retry hint on the rate limiter's 429s. */
  readonly retryAfterFormat: RetryAfterFormat;
  /** Requests per `rateWindowMs` (429 past it), or null for no rate limit. */
  readonly requestsPerWindow: number | null;
  readonly rateWindowMs: number;
  readonly windows: readonly SoakFaultWindow[];
  readonly lineFaults: readonly SoakLineFault[];
}

/** A worker that dies once after the endpoint answered this line (the answer is paid, then lost). */
export interface SoakCrash {
  readonly job: number;
  readonly line: number;
}

/** An SDK fault rule as data (no predicates), so a scenario prints and replays as it is. */
export interface SoakSdkRule {
  readonly label: string;
  readonly service: SdkService;
  readonly operations: readonly string[];
  readonly rate: number;
  readonly after?: number;
  readonly times?: number;
  readonly fault: SdkFault;
}

/** The Lambda relations of the run, scaled down. */
export interface SoakRuntimePlan {
  readonly workerTimeoutMs: number;
  /** Shorter than the worker timeout: a work item comes back while its first delivery still runs. */
  readonly visibilityTimeoutSeconds: number;
  readonly maxConcurrency: number;
}

/** The fault families a scenario mixes (each can be left out to find which one breaks a seed). */
export const SOAK_FAULT_FAMILIES = ['endpoint', 'sdk', 'crashes', 'events', 'redeliveries'] as const;
export type SoakFaultFamily = (typeof SOAK_FAULT_FAMILIES)[number];

/** Everything one seed decides. Pure data: printing it says exactly what ran. */
export interface SoakScenario {
  readonly seed: number;
  readonly lines: number;
  /** Fault families left out of this run. */
  readonly without: readonly SoakFaultFamily[];
  readonly jobs: readonly SoakJobPlan[];
  readonly endpoint: SoakEndpointPlan;
  readonly crashes: readonly SoakCrash[];
  readonly sdk: readonly SoakSdkRule[];
  readonly runtime: SoakRuntimePlan;
}

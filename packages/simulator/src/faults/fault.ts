/**
 * How a 429 (or a scripted status fault) tells the client when to come back: `retry-after` in whole
 * seconds, `retry-after-ms`, both, `retry-after` as an HTTP date (IMF-fixdate, now + the wait), or none.
 */
export const RETRY_AFTER_FORMATS = ['seconds', 'milliseconds', 'both', 'date', 'none'] as const;
export type RetryAfterFormat = (typeof RETRY_AFTER_FORMATS)[number];

/**
 * One misbehaviour of the endpoint for one request. Faults are either drawn at random (see `FaultRates`)
 * or scripted per request (see `FaultPlan`, `PromptFaultRule`).
 */
export type Fault =
  /** Answer with this HTTP status and an OpenAI-style error body. */
  | {
      readonly kind: 'status';
      readonly status: number;
      /** Sent as `retry-after` / `retry-after-ms` according to `retryAfterFormat`. */
      readonly retryAfterMs?: number;
      /** @default 'seconds' when `retryAfterMs` is set */
      readonly retryAfterFormat?: RetryAfterFormat;
      /**
       * Sent verbatim as `retry-after`, instead of any hint from `retryAfterMs`: for values no format
       * makes (`-5`, `soon`, a date in the past). @default undefined
       */
      readonly retryAfterRaw?: string;
      readonly message?: string;
    }
  /**
   * Destroy the socket. Before any byte by default; with `midBody`, after the headers and part of the
   * body (streaming: after a few chunks).
   */
  | { readonly kind: 'connectionReset'; readonly midBody?: boolean }
  /** Hold the response headers back this long, then answer normally. */
  | { readonly kind: 'slowHeaders'; readonly delayMs?: number }
  /**
   * Send a valid start of the body, then end the response cleanly: non-streaming, half of the JSON;
   * streaming, half of the chunks with no finish chunk, no usage and no `[DONE]`.
   */
  | { readonly kind: 'truncatedBody' }
  /** HTTP 200 whose body is not JSON (streaming: SSE events whose data is not JSON). */
  | { readonly kind: 'nonJsonBody' }
  /** A normal answer without `usage` (streaming: no usage chunk even when asked for). */
  | { readonly kind: 'missingUsage' }
  /**
   * HTTP 200 that never ends: streaming, reasoning chunks every `intervalMs` forever; non-streaming, the
   * start of the JSON body, then a space every `intervalMs`. Only the client's going away ends it.
   */
  | { readonly kind: 'endlessStream'; readonly intervalMs?: number }
  /**
   * A valid, complete answer whose content is padded to about `bytes` bytes (streaming: in many chunks),
   * with the usage of the normal answer. @default bytes 16 MiB
   */
  | { readonly kind: 'giantBody'; readonly bytes?: number };

/** Faults that can also be drawn at random (`FaultRates`), in the order their rates share [0, 1). */
export const RANDOM_FAULT_NAMES = [
  'http500',
  'http503',
  'connectionReset',
  'slowHeaders',
  'truncatedBody',
  'nonJsonBody',
  'missingUsage',
] as const;
export type RandomFaultName = (typeof RANDOM_FAULT_NAMES)[number];

/** Shorthand names for common faults, accepted wherever a `FaultSpec` is. */
export const FAULT_NAMES = [
  'http400',
  'http401',
  'http429',
  ...RANDOM_FAULT_NAMES,
  'endlessStream',
  'giantBody',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** A fault, by value or by shorthand name. */
export type FaultSpec = Fault | FaultName;

const STATUS_OF_NAME = { http400: 400, http401: 401, http429: 429, http500: 500, http503: 503 } as const;

/** The fault a spec stands for. */
export function resolveFault(spec: FaultSpec): Fault {
  if (typeof spec !== 'string') return spec;
  switch (spec) {
    case 'http400':
    case 'http401':
    case 'http429':
    case 'http500':
    case 'http503':
      return { kind: 'status', status: STATUS_OF_NAME[spec] };
    case 'connectionReset':
    case 'slowHeaders':
    case 'truncatedBody':
    case 'nonJsonBody':
    case 'missingUsage':
    case 'endlessStream':
    case 'giantBody':
      return { kind: spec };
  }
}

/** The label a fault is counted under in `SimulatorStats.byFault` (`http503`, `connectionReset`, …). */
export function faultLabel(fault: Fault): string {
  return fault.kind === 'status' ? `http${fault.status}` : fault.kind;
}

/** Probability (0–1) of each random fault per admitted request. Draws are seeded. */
export type FaultRates = { readonly [Name in RandomFaultName]?: number };

/** What a fault plan sees about one request. */
export interface FaultContext {
  /** 0-based index of this chat request among all chat requests the simulator received. */
  readonly requestIndex: number;
  /** The parsed request body. */
  readonly body: Readonly<Record<string, unknown>>;
  /** All message contents joined with newlines. */
  readonly promptText: string;
  /** Hash of the messages, the key of `SimulatorStats.callsByPrompt`. */
  readonly promptKey: string;
  /** How many chat requests with the same messages came before this one. */
  readonly attempt: number;
  /** The `x-thinkbatch-custom-id` request header, when the client sent one. */
  readonly customIdHint: string | null;
}

/** Scripted faults: return a fault for this request, or null to let it through (random faults still apply). */
export type FaultPlan = (context: FaultContext) => FaultSpec | null | undefined;

/** Scripted fault for every request whose prompt text contains `match`. */
export interface PromptFaultRule {
  readonly match: string;
  readonly fault: FaultSpec;
  /** Apply to the first `times` matching requests only, then let them succeed. @default Infinity */
  readonly times?: number;
}

/** How a 429 (or a scripted status fault) tells the client when to come back. */
export const RETRY_AFTER_FORMATS = ['seconds', 'milliseconds', 'both', 'none'] as const;
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
  | { readonly kind: 'missingUsage' };

/** Shorthand names for common faults, accepted wherever a `FaultSpec` is. */
export const FAULT_NAMES = [
  'http400',
  'http401',
  'http429',
  'http500',
  'http503',
  'connectionReset',
  'slowHeaders',
  'truncatedBody',
  'nonJsonBody',
  'missingUsage',
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
      return { kind: spec };
  }
}

/** The label a fault is counted under in `SimulatorStats.byFault` (`http503`, `connectionReset`, …). */
export function faultLabel(fault: Fault): string {
  return fault.kind === 'status' ? `http${fault.status}` : fault.kind;
}

import type { ChatRequestBody, ModelCallResult, ModelClient } from '@thinkbatch/core';
import { ChatCompletion } from '@thinkbatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** How the endpoint behind a contract harness must answer a request built by `bodyFor`. */
export type ContractScenario =
  /** A normal, complete answer. */
  | { readonly kind: 'answer' }
  /** This HTTP error status; with `retryAfterMs`, a `retry-after-ms` (or equivalent) hint of that value. */
  | { readonly kind: 'status'; readonly status: 400 | 429 | 500 | 503; readonly retryAfterMs: number | null }
  /** Nothing at all for at least 5 s (then anything). */
  | { readonly kind: 'slow' };

/** What an implementation gives the contract: a client, and a way to make its endpoint behave. */
export interface ModelClientContractHarness {
  readonly client: ModelClient;
  /** A request body the endpoint answers as `scenario` says, every time it is sent. */
  bodyFor(scenario: ContractScenario): ChatRequestBody;
  close(): Promise<void>;
}

const TIMEOUT_MS = 30_000;

const expectFailure = (result: ModelCallResult) => {
  expect(result.kind).toBe('failed');
  if (result.kind !== 'failed') throw new Error('expected a failed call');
  expect(Number.isFinite(result.latencyMs) && result.latencyMs >= 0).toBe(true);
  expect(result.failure.message).not.toBe('');
  return result.failure;
};

/**
 * The behaviour every `ModelClient` must show, whatever its transport: completed calls carry a valid
 * completion, endpoint failures come back as values (never thrown) with the right type, status and
 * retry hint, timeouts and aborts are told apart and end promptly. Run it from a `*.test.ts` file:
 * `describeModelClientContract('my client', async () => ({ client, bodyFor, close }))`.
 */
export function describeModelClientContract(
  name: string,
  makeHarness: () => Promise<ModelClientContractHarness>,
): void {
  describe(`ModelClient contract: ${name}`, () => {
    let harness: ModelClientContractHarness;
    beforeAll(async () => {
      harness = await makeHarness();
    });
    afterAll(async () => {
      await harness.close();
    });

    it('completes a normal request with a valid chat completion', async () => {
      const result = await harness.client.complete(harness.bodyFor({ kind: 'answer' }), {
        timeoutMs: TIMEOUT_MS,
      });
      expect(result.kind).toBe('completed');
      if (result.kind !== 'completed') return;
      expect(ChatCompletion.safeParse(result.completion).success).toBe(true);
      expect(typeof result.completion.choices[0]?.message.content).toBe('string');
      expect(result.requestId === null || typeof result.requestId === 'string').toBe(true);
      expect(Number.isFinite(result.latencyMs) && result.latencyMs >= 0).toBe(true);
    });

    it('runs concurrent calls independently', async () => {
      const body = harness.bodyFor({ kind: 'answer' });
      const results = await Promise.all(
        [1, 2, 3].map(() => harness.client.complete(body, { timeoutMs: TIMEOUT_MS })),
      );
      expect(results.map((result) => result.kind)).toEqual(['completed', 'completed', 'completed']);
    });

    it.each([
      [503, 2_000],
      [500, null],
      [429, 1_500],
      [429, null],
      [400, null],
    ] as const)('returns HTTP %i (retry hint %s) as an http_error value', async (status, retryAfterMs) => {
      const body = harness.bodyFor({ kind: 'status', status, retryAfterMs });
      const failure = expectFailure(await harness.client.complete(body, { timeoutMs: TIMEOUT_MS }));
      expect(failure).toMatchObject({ type: 'http_error', status, retryAfterMs });
    });

    it('reports a timeout when the endpoint is too slow, promptly but not early', async () => {
      const started = Date.now();
      const result = await harness.client.complete(harness.bodyFor({ kind: 'slow' }), { timeoutMs: 200 });
      expect(expectFailure(result).type).toBe('timeout');
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(150); // not before the deadline, less some timer slack
      expect(elapsed).toBeLessThan(3_000);
    });

    it('reports an abort (not a timeout) when the caller aborts mid-call, promptly', async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('cancelled by test')), 100);
      const started = Date.now();
      const result = await harness.client.complete(harness.bodyFor({ kind: 'slow' }), {
        timeoutMs: TIMEOUT_MS,
        signal: controller.signal,
      });
      expect(expectFailure(result).type).toBe('aborted');
      expect(Date.now() - started).toBeLessThan(3_000);
    });

    it('reports an abort at once for a signal aborted before the call', async () => {
      const started = Date.now();
      const result = await harness.client.complete(harness.bodyFor({ kind: 'slow' }), {
        timeoutMs: TIMEOUT_MS,
        signal: AbortSignal.abort(),
      });
      expect(expectFailure(result).type).toBe('aborted');
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('is usable again after a timeout', async () => {
      const slow = await harness.client.complete(harness.bodyFor({ kind: 'slow' }), { timeoutMs: 100 });
      expect(expectFailure(slow).type).toBe('timeout');
      const result = await harness.client.complete(harness.bodyFor({ kind: 'answer' }), {
        timeoutMs: TIMEOUT_MS,
      });
      expect(result.kind).toBe('completed');
    });
  });
}

import type { ErrorCode, ThinkbatchError } from '@thinkbatch/core';
import { expect } from 'vitest';

/** What `promise` rejected with, or `undefined` when it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
}

/**
 * Expect `promise` to reject with an `ErrorClass` carrying `code`: a port's error classes and codes are
 * part of its contract (the API maps codes to HTTP statuses), so every implementation must throw the same.
 */
export async function expectRejection(
  promise: Promise<unknown>,
  ErrorClass: abstract new (...args: never[]) => ThinkbatchError,
  code: ErrorCode,
): Promise<ThinkbatchError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ErrorClass);
  expect((error as ThinkbatchError).code).toBe(code);
  return error as ThinkbatchError;
}

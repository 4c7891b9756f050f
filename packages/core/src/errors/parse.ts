import { z } from 'zod';
import { ErrorCode } from './error-code';
import { ConfigurationError, type ThinkbatchError, type ThinkbatchErrorOptions } from './thinkbatch-error';

/** An error class of the tree that takes a message and a cause. */
export type ThinkbatchErrorClass = new (message: string, options?: ThinkbatchErrorOptions) => ThinkbatchError;

/**
 * Validate `value` with `schema` and return the parsed value, or throw `ErrorClass` (by default a
 * `ConfigurationError`) whose message names `what` and lists zod's issues (`z.prettifyError`), with the
 * `ZodError` as `cause` and, where the class takes one, the code `invalid_value`. The one way the core
 * and its adapters turn a failed schema into an exception.
 */
export function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  ErrorClass: ThinkbatchErrorClass = ConfigurationError,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ErrorClass(`invalid ${what}:\n${z.prettifyError(parsed.error)}`, {
    cause: parsed.error,
    code: ErrorCode.invalidValue,
  });
}

import { ErrorCode } from './error-code';

/** Options of every error in the tree: the standard `cause`, and a `code` where the class has several. */
export interface ThinkbatchErrorOptions extends ErrorOptions {
  /** @default the class's own code (`internal` for `ThinkbatchError`) */
  readonly code?: ErrorCode;
}

/**
 * Base of the error tree of the core and its adapters: thrown only for bugs, unusable configuration and
 * infrastructure failures, never for a bad line (that is a result line with an `error`). Every error
 * carries a stable `code` (see `ErrorCode`) and its `cause`.
 */
export class ThinkbatchError extends Error {
  override name = 'ThinkbatchError';
  readonly code: ErrorCode;
  constructor(message: string, options: ThinkbatchErrorOptions = {}) {
    super(message, options);
    this.code = options.code ?? ErrorCode.internal;
  }
}

/** A configuration value that cannot work (bad price table, negative limit, …). */
export class ConfigurationError extends ThinkbatchError {
  override name = 'ConfigurationError';
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: ErrorCode.invalidConfiguration });
  }
}

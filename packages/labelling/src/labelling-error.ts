import { ErrorCode, ThinkbatchError, type ThinkbatchErrorOptions } from '@thinkbatch/core';

/** A labelling task, row or template that cannot be used; the message says which and why. */
export class LabellingError extends ThinkbatchError {
  override name = 'LabellingError';
  constructor(message: string, options: ThinkbatchErrorOptions = {}) {
    super(message, { code: ErrorCode.invalidValue, ...options });
  }
}

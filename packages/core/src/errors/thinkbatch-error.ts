/** Base of the core's error tree: thrown only for bugs and unusable configuration, never for a bad line. */
export class ThinkbatchError extends Error {
  override name = 'ThinkbatchError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A configuration value that cannot work (bad price table, negative limit, …). */
export class ConfigurationError extends ThinkbatchError {
  override name = 'ConfigurationError';
}

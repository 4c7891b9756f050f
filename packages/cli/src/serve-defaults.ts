// Kept apart from serve-command.ts so the client commands read them without loading the runtime.

/** Where `thinkbatch serve` listens unless told otherwise. */
export const SERVE_DEFAULTS = { host: '127.0.0.1', port: 8700 } as const;

/** The environment variable holding the API token; without it, `serve` makes one and prints it once. */
export const API_TOKEN_ENV = 'THINKBATCH_API_TOKEN';

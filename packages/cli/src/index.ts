// The CLI's commands as functions, for tests that run them in-process.

export { CLIENT_COMMANDS, type ClientCommand, clientCommand, runClientCommand } from './client-commands';
export { CLIENT_EXIT_CODES } from './client-error';
export type { ClientIo } from './client-io';
export {
  API_TOKEN_ENV,
  SERVE_DEFAULTS,
  type ServeHandle,
  type ServeIo,
  type ServeOptions,
  startServe,
} from './serve-command';

// The CLI's commands as functions, for tests that run them in-process.

export { CLIENT_COMMANDS, type ClientCommand, clientCommand, runClientCommand } from './client-commands';
export { CLIENT_EXIT_CODES } from './client-error';
export type { ClientIo } from './client-io';
export { LABEL_HELP, labelMain } from './label-command';
export { LOCAL_LABELLING_BUCKET, type LocalLabelling, startLocalLabelling } from './label-local';
export type { CommandIo } from './run-command';
export {
  API_TOKEN_ENV,
  SERVE_DEFAULTS,
  type ServeHandle,
  type ServeIo,
  type ServeOptions,
  startServe,
} from './serve-command';

/**
 * Exit codes of the client commands (`submit`, `status`, …): scripts can tell a missing token or job
 * from a job that did not complete. 2 is a usage error, as for every command.
 */
export const CLIENT_EXIT_CODES = {
  ok: 0,
  /** The job did not complete (with `--wait`/`--watch`), or the API refused the request. */
  failed: 1,
  usage: 2,
  /** No token, or the API refused it (401), or a read-only token tried to change a job (403). */
  unauthenticated: 3,
  /** No such job (404). */
  notFound: 4,
  /** The API could not be reached (nothing listening, timeout). */
  unreachable: 5,
  /** Ctrl-C while waiting or watching (the job goes on). */
  interrupted: 130,
} as const;
export type ClientExitCode = (typeof CLIENT_EXIT_CODES)[keyof typeof CLIENT_EXIT_CODES];

/** A client command failed for a reason the user can act on: one line on stderr, and its exit code. */
export class ClientError extends Error {
  override name = 'ClientError';
  readonly exitCode: ClientExitCode;
  /** The same request may succeed if repeated (a timeout, a reset connection, a 5xx). @default false */
  readonly retryable: boolean;
  /** The API's answer, when it answered. @default null */
  readonly httpStatus: number | null;
  constructor(
    message: string,
    exitCode: ClientExitCode,
    options: ErrorOptions & { readonly retryable?: boolean; readonly httpStatus?: number } = {},
  ) {
    super(message, options);
    this.exitCode = exitCode;
    this.retryable = options.retryable ?? false;
    this.httpStatus = options.httpStatus ?? null;
  }
}

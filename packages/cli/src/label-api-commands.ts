import { readFile } from 'node:fs/promises';
import { type ApiClient, createApiClient } from '@thinkbatch/api/client';
import type { CommandIo } from './run-command';
import { API_TOKEN_ENV, SERVE_DEFAULTS } from './serve-command';
import { UsageError } from './usage-error';

/** Where the API is and how to reach it: `--url`, and the token from the environment (never a flag). */
export interface LabelApiOptions {
  /** @default http://127.0.0.1:8700 (what `thinkbatch serve` listens on) */
  readonly url?: string;
}

function clientFor(options: LabelApiOptions, io: CommandIo): ApiClient {
  const token = io.env[API_TOKEN_ENV];
  if (token === undefined || token === '')
    throw new UsageError(`set ${API_TOKEN_ENV} to the API token (thinkbatch serve prints it)`);
  const baseUrl = options.url ?? `http://${SERVE_DEFAULTS.host}:${SERVE_DEFAULTS.port}`;
  return createApiClient({ baseUrl, token });
}

/** The API's error, as one line; exit code 1. */
function failed(
  io: CommandIo,
  what: string,
  error: { error?: { code: string; message: string } } | undefined,
): number {
  const reason = error?.error === undefined ? 'no answer' : `${error.error.code}: ${error.error.message}`;
  io.stderr.write(`thinkbatch: ${what}: ${reason}\n`);
  return 1;
}

/** `thinkbatch label create <task.json>`: store (or replace) a task through the API. */
export async function labelCreateCommand(
  path: string,
  options: LabelApiOptions,
  io: CommandIo,
): Promise<number> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) throw new UsageError(`task file not found: ${path}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${String(error)}`);
  }
  const { data, error } = await clientFor(options, io).POST('/v1/labelling/tasks', { body });
  if (data === undefined) return failed(io, `cannot store ${path}`, error);
  io.stdout.write(
    `task ${data.id} stored: ${data.dataset.format} files under ${data.dataset.prefix}, schedule "${data.schedule}"\n`,
  );
  return 0;
}

/** `thinkbatch label list`. */
export async function labelListCommand(options: LabelApiOptions, io: CommandIo): Promise<number> {
  const { data, error } = await clientFor(options, io).GET('/v1/labelling/tasks');
  if (data === undefined) return failed(io, 'cannot list tasks', error);
  if (data.data.length === 0) io.stdout.write('no labelling tasks\n');
  for (const task of data.data)
    io.stdout.write(`${task.id}\t${task.schedule}\t${task.dataset.format}\t${task.dataset.prefix}\n`);
  return 0;
}

/** `thinkbatch label status <task-id>`: the run going, and the latest reports. */
export async function labelStatusCommand(
  taskId: string,
  options: LabelApiOptions,
  io: CommandIo,
): Promise<number> {
  const { data, error } = await clientFor(options, io).GET('/v1/labelling/tasks/{id}', {
    params: { path: { id: taskId } },
  });
  if (data === undefined) return failed(io, `no status for ${taskId}`, error);
  const lines = [
    `task ${data.task.id}: schedule "${data.task.schedule}", ${data.task.samples} sample(s) per row`,
  ];
  lines.push(
    data.open_run === null
      ? 'no run going'
      : `run going: ${data.open_run.run_id} (tick ${data.open_run.tick})`,
  );
  for (const run of data.runs) {
    lines.push(
      `${run.tick}  ${run.run_id}  ${run.status}: ${run.rows_seen} seen, ${run.rows_reused} reused, ${run.rows_labelled} labelled, ${run.rows_invalid} invalid, ${run.rows_deferred} deferred, ${run.tokens.total} tokens`,
    );
  }
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** `thinkbatch label run <task-id> --now`: run a stored task now, through the API. */
export async function labelRunNowCommand(
  taskId: string,
  options: LabelApiOptions,
  io: CommandIo,
): Promise<number> {
  const { data, error } = await clientFor(options, io).POST('/v1/labelling/tasks/{id}/runs', {
    params: { path: { id: taskId } },
  });
  if (data === undefined) return failed(io, `cannot run ${taskId}`, error);
  const job = data.job_id === null ? '' : ` (job ${data.job_id}: thinkbatch label status ${taskId})`;
  io.stdout.write(
    `task ${taskId}: ${data.outcome.replace('_', ' ')}${data.run_id === null ? '' : ` run ${data.run_id}`}${job}\n`,
  );
  return 0;
}

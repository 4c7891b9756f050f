import { readFile } from 'node:fs/promises';
import { type ApiConnection, openApiConnection, printable } from './api-connection';
import { CLIENT_EXIT_CODES, ClientError } from './client-error';
import type { ClientIo } from './client-io';
import { UsageError } from './usage-error';

/** The connection flags of the API subcommands (`--api`, `--token`; else the environment). */
export interface LabelApiOptions {
  readonly api?: string | undefined;
  readonly token?: string | undefined;
}

const connect = (options: LabelApiOptions, io: ClientIo): ApiConnection => openApiConnection(options, io);

/** A 404 about a task says so (the connection's own 404 message is about jobs and routes). */
async function aboutTask<T>(taskId: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof ClientError && error.httpStatus === 404)
      throw new ClientError(`no labelling task ${taskId} on this API`, CLIENT_EXIT_CODES.notFound, {
        cause: error,
        httpStatus: 404,
      });
    throw error;
  }
}

/** A task id from the command line, checked before it goes into a URL. */
function taskIdArgument(value: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,47}$/.test(value))
    throw new UsageError(`not a task id: "${printable(value)}" (1–48 of a-z 0-9 _ -)`);
  return value;
}

/** `thinkbatch label create <task.json>`: store (or replace) a task through the API. */
export async function labelCreateCommand(
  path: string,
  options: LabelApiOptions,
  io: ClientIo,
): Promise<number> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) throw new UsageError(`task file not found: ${path}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${String(error)}`);
  }
  const task = await connect(options, io).call((api) => api.POST('/v1/labelling/tasks', { body }));
  io.stdout.write(
    `task ${task.id} stored: ${task.dataset.format} files under ${task.dataset.prefix}, schedule "${task.schedule}"\n`,
  );
  return 0;
}

/** `thinkbatch label list`: id, schedule, format and prefix of every task, one per line. */
export async function labelListCommand(options: LabelApiOptions, io: ClientIo): Promise<number> {
  const { data } = await connect(options, io).call((api) => api.GET('/v1/labelling/tasks'));
  if (data.length === 0) io.stdout.write('no labelling tasks\n');
  for (const task of data)
    io.stdout.write(`${task.id}\t${task.schedule}\t${task.dataset.format}\t${task.dataset.prefix}\n`);
  return 0;
}

/** `thinkbatch label status <task-id>`: the run going, and the latest reports. */
export async function labelStatusCommand(
  id: string,
  options: LabelApiOptions,
  io: ClientIo,
): Promise<number> {
  const taskId = taskIdArgument(id);
  const status = await aboutTask(taskId, () =>
    connect(options, io).call((api) =>
      api.GET('/v1/labelling/tasks/{id}', { params: { path: { id: taskId } } }),
    ),
  );
  const { task, open_run: open, runs } = status;
  const lines = [`task ${task.id}: schedule "${task.schedule}", ${task.samples} sample(s) per row`];
  lines.push(open === null ? 'no run going' : `run going: ${open.run_id} (tick ${open.tick})`);
  for (const run of runs) {
    lines.push(
      `${run.tick}  ${run.run_id}  ${run.status}: ${run.rows_seen} seen, ${run.rows_reused} reused, ${run.rows_labelled} labelled, ${run.rows_invalid} invalid, ${run.rows_deferred} deferred, ${run.tokens.total} tokens`,
    );
  }
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** `thinkbatch label run <task-id> --now`: run a stored task now, through the API. */
export async function labelRunNowCommand(
  id: string,
  options: LabelApiOptions,
  io: ClientIo,
): Promise<number> {
  const taskId = taskIdArgument(id);
  const run = await aboutTask(taskId, () =>
    connect(options, io).call((api) =>
      api.POST('/v1/labelling/tasks/{id}/runs', { params: { path: { id: taskId } } }),
    ),
  );
  const named = run.run_id === null ? '' : ` run ${run.run_id}`;
  const job = run.job_id === null ? '' : ` (job ${run.job_id}; see: thinkbatch label status ${taskId})`;
  io.stdout.write(`task ${taskId}: ${run.outcome.replace('_', ' ')}${named}${job}\n`);
  return 0;
}

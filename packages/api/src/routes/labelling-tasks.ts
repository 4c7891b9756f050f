import { createRoute, z } from '@hono/zod-openapi';
import { ErrorCode } from '@thinkbatch/core';
import {
  LabellingReport,
  LabellingTask,
  labellingTaskStatus,
  listLabellingTasks,
  saveLabellingTask,
  startLabellingRun,
  TASK_ID_PATTERN,
} from '@thinkbatch/labelling';
import type { ResolvedApiDeps } from '../api-deps';
import { ApiError } from '../api-error';
import { respond } from '../respond';
import { type ApiApp, BEARER, errorResponses } from './route-kit';

const TaskComponent = LabellingTask.meta({
  id: 'LabellingTask',
  description: 'A labelling task with its defaults filled in (see the README: Scheduled dataset labelling).',
});
const ReportComponent = LabellingReport.meta({
  id: 'LabellingReport',
  description: "A finished run's report.json.",
});
const TaskIdParam = z
  .string()
  .regex(TASK_ID_PATTERN)
  .meta({ param: { name: 'id', in: 'path' }, example: 'reviews' });

const TaskStatusView = z
  .object({
    task: TaskComponent,
    open_run: z.object({ run_id: z.string(), tick: z.string() }).nullable(),
    runs: z.array(ReportComponent),
  })
  .meta({ id: 'LabellingTaskStatus' });

const RunOutcomeView = z
  .object({
    outcome: z.enum(['started', 'finished', 'duplicate', 'busy', 'nothing_new']),
    run_id: z.string().nullable(),
    job_id: z.string().nullable(),
  })
  .meta({ id: 'LabellingRunOutcome' });

export const createLabellingTaskRoute = createRoute({
  method: 'post',
  path: '/v1/labelling/tasks',
  operationId: 'createLabellingTask',
  summary: 'Create or replace a labelling task',
  description:
    'Validates the task (template, label space, cron) and stores it under its id; storing the same id again replaces it. Its schedule runs it from then on.',
  security: BEARER,
  request: {
    body: {
      required: true,
      content: {
        'application/json': { schema: z.record(z.string(), z.unknown()).meta({ id: 'LabellingTaskInput' }) },
      },
    },
  },
  responses: {
    201: { description: 'The task as stored.', content: { 'application/json': { schema: TaskComponent } } },
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

export const listLabellingTasksRoute = createRoute({
  method: 'get',
  path: '/v1/labelling/tasks',
  operationId: 'listLabellingTasks',
  summary: 'List labelling tasks',
  security: BEARER,
  responses: {
    200: {
      description: 'Every stored task, by id.',
      content: { 'application/json': { schema: z.object({ data: z.array(TaskComponent) }) } },
    },
    ...errorResponses(401, 404),
  },
});

export const getLabellingTaskRoute = createRoute({
  method: 'get',
  path: '/v1/labelling/tasks/{id}',
  operationId: 'getLabellingTask',
  summary: 'A labelling task with its run in progress and its latest reports',
  security: BEARER,
  request: { params: z.object({ id: TaskIdParam }) },
  responses: {
    200: {
      description: 'The task and its runs.',
      content: { 'application/json': { schema: TaskStatusView } },
    },
    ...errorResponses(400, 401, 404),
  },
});

export const runLabellingTaskRoute = createRoute({
  method: 'post',
  path: '/v1/labelling/tasks/{id}/runs',
  operationId: 'runLabellingTask',
  summary: 'Run a labelling task now (new or changed files), as its schedule would',
  description:
    "A run's job appears in the job API; the run finishes when its job does. A run already going makes this `busy`.",
  security: BEARER,
  request: { params: z.object({ id: TaskIdParam }) },
  responses: {
    202: { description: 'What the run did.', content: { 'application/json': { schema: RunOutcomeView } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

/** The labelling routes; without labelling deps (a deployment without labelling) each answers 404. */
export function registerLabellingTasks(app: ApiApp, deps: ResolvedApiDeps): void {
  const labelling = () => {
    if (deps.labelling === null)
      throw new ApiError('labelling is not enabled on this deployment', { code: ErrorCode.notFound });
    return deps.labelling;
  };
  app.openapi(createLabellingTaskRoute, async (c) => {
    const { deps: labellingDeps, tasksChanged } = labelling();
    const task = await saveLabellingTask(labellingDeps, c.req.valid('json'));
    deps.log.info('labelling task stored', { taskId: task.id });
    await tasksChanged?.();
    return respond(c, TaskComponent, task, 201);
  });
  app.openapi(listLabellingTasksRoute, async (c) => {
    const tasks = await listLabellingTasks(labelling().deps);
    return respond(c, z.object({ data: z.array(TaskComponent) }), { data: tasks }, 200);
  });
  app.openapi(getLabellingTaskRoute, async (c) => {
    const { id } = c.req.valid('param');
    const status = await labellingTaskStatus(labelling().deps, id);
    if (status === null) throw new ApiError(`no labelling task ${id}`, { code: ErrorCode.notFound });
    const openRun =
      status.openRun === null ? null : { run_id: status.openRun.runId, tick: status.openRun.tick };
    return respond(c, TaskStatusView, { task: status.task, open_run: openRun, runs: [...status.runs] }, 200);
  });
  app.openapi(runLabellingTaskRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { deps: labellingDeps } = labelling();
    const status = await labellingTaskStatus(labellingDeps, id, 0);
    if (status === null) throw new ApiError(`no labelling task ${id}`, { code: ErrorCode.notFound });
    const outcome = await startLabellingRun(labellingDeps, status.task, new Date(deps.clock.now()));
    const view = {
      outcome: outcome.kind,
      run_id: 'runId' in outcome ? outcome.runId : null,
      job_id: outcome.kind === 'started' ? outcome.jobId : null,
    };
    return respond(c, RunOutcomeView, view, 202);
  });
}

import { type ModelCallResult, startJob } from '@thinkbatch/core';
import { handleLabellingJobFinished, type LabellingDeps } from '@thinkbatch/labelling';
import {
  answerEcho,
  createInMemoryObjectStore,
  createPipelineHarness,
  createRecordingLogger,
  type FakeModelBehaviour,
} from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { parseApiConfig } from './api-deps';
import { createApiApp } from './app';
import { createApiClient } from './client/index';

const TOKEN = 'test-token-0123456789abcdef';

/** The fake model labels everything `negative`. */
const negative: FakeModelBehaviour = (args) => {
  const result = structuredClone(answerEcho(args)) as ModelCallResult & { kind: 'completed' };
  const choice = result.completion.choices[0];
  if (choice !== undefined) (choice.message as { content: string }).content = '\\boxed{negative}';
  return result;
};

/** The API with labelling on the pipeline harness; job finished events reach labelling at once. */
function setup(options: { labelling?: boolean } = {}) {
  let labelling: LabellingDeps | null = null;
  const h = createPipelineHarness({
    behaviour: negative,
    events: {
      jobFinished: async (event) => void (labelling && (await handleLabellingJobFinished(labelling, event))),
    },
  });
  labelling = {
    store: createInMemoryObjectStore('labelling'),
    jobs: h.jobs,
    input: h.input,
    output: h.output,
    announceUpload: async (key) => {
      await startJob(h.deps, { bucket: h.input.bucket, key, sequencer: `seq-${key}` });
    },
    clock: h.clock,
    log: h.deps.log,
    defaultModel: 'm',
  };
  let changes = 0;
  const app = createApiApp({
    jobs: h.jobs,
    input: h.input,
    output: h.output,
    uploads: { uploaded: async () => {}, expect: () => {} },
    clock: h.clock,
    log: createRecordingLogger(),
    token: TOKEN,
    config: parseApiConfig(),
    ...(options.labelling !== false && {
      labelling: {
        deps: labelling,
        tasksChanged: () => {
          changes += 1;
        },
      },
    }),
  });
  const fetch = async (request: Request): Promise<Response> => app.request(request);
  const client = createApiClient({ baseUrl: 'http://api.test', token: TOKEN, fetch });
  return { h, client, labelling, changes: () => changes, fetch };
}

const task = {
  id: 'tickets',
  dataset: { prefix: 'tickets/', format: 'jsonl' },
  prompt: { template: 'Ticket: {{text}}' },
  labels: { enum: ['positive', 'negative'] },
};

describe('the labelling routes', () => {
  it('create, list, run and show a task; its run is a job of the job API and reports when it ends', async () => {
    const { h, client, labelling, changes } = setup();
    const created = await client.POST('/v1/labelling/tasks', { body: task });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({ id: 'tickets', samples: 1, params: { temperature: 0.6 } });
    expect(changes()).toBe(1);
    expect((await client.GET('/v1/labelling/tasks')).data?.data.map((t) => t.id)).toEqual(['tickets']);

    await labelling?.store.put('tickets/a.jsonl', '{"text":"slow"}\n{"text":"broken"}\n');
    const run = await client.POST('/v1/labelling/tasks/{id}/runs', { params: { path: { id: 'tickets' } } });
    expect(run.response.status).toBe(202);
    expect(run.data).toMatchObject({ outcome: 'started' });
    const jobId = run.data?.job_id ?? '';
    const job = await client.GET('/v1/jobs/{id}', { params: { path: { id: jobId } } });
    expect(job.data?.metadata).toMatchObject({ thinkbatch_labelling_task: 'tickets' });
    const busy = await client.GET('/v1/labelling/tasks/{id}', { params: { path: { id: 'tickets' } } });
    expect(busy.data?.open_run?.run_id).toBe(run.data?.run_id);

    await h.drain();
    const status = await client.GET('/v1/labelling/tasks/{id}', { params: { path: { id: 'tickets' } } });
    expect(status.data?.open_run).toBeNull();
    expect(status.data?.runs).toHaveLength(1);
    expect(status.data?.runs[0]).toMatchObject({ rows_labelled: 2, label_distribution: { negative: 2 } });
  });

  it('refuses an invalid task with what is wrong, and names a missing task', async () => {
    const { client } = setup();
    const bad = await client.POST('/v1/labelling/tasks', { body: { ...task, schedule: 'sometimes' } });
    expect(bad.response.status).toBe(400);
    expect(bad.error?.error.message).toMatch(/cron expression/);
    const missing = await client.GET('/v1/labelling/tasks/{id}', { params: { path: { id: 'nope' } } });
    expect(missing.response.status).toBe(404);
    const badId = await client.GET('/v1/labelling/tasks/{id}', { params: { path: { id: '../x' } } });
    expect(badId.response.status).toBe(400);
  });

  it('answers 404 where labelling is not enabled, and 413 for a task too large', async () => {
    const { client, fetch } = setup({ labelling: false });
    const list = await client.GET('/v1/labelling/tasks');
    expect(list.response.status).toBe(404);
    expect(list.error?.error.message).toMatch(/not enabled/);
    const large = await fetch(
      new Request('http://api.test/v1/labelling/tasks', {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...task, prompt: { template: `{{text}}${'x'.repeat(300_000)}` } }),
      }),
    );
    expect(large.status).toBe(413);
  });

  it('needs the bearer token', async () => {
    const { fetch } = setup();
    expect((await fetch(new Request('http://api.test/v1/labelling/tasks'))).status).toBe(401);
  });
});

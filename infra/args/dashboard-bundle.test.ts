import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DASHBOARD_DIR_ENV, DASHBOARD_FILES } from '../../packages/api/src/dashboard/dashboard-assets';
import { createFakeClock } from '../../packages/testing/src/fake-clock';
import { createRecordingLogger } from '../../packages/testing/src/fixtures/recording-logger';
import { createInMemoryJobStore } from '../../packages/testing/src/in-memory-job-store';
import { createInMemoryObjectStore } from '../../packages/testing/src/in-memory-object-store';
import { DASHBOARD_BUNDLE } from './api';

/**
 * The dashboard on AWS: the API's Lambda bundle has no source tree and no node_modules, so the files the
 * page needs must be copied into it (`copyFiles`) and found there. A bundle is simulated by copying
 * exactly what `DASHBOARD_BUNDLE` lists into an empty directory standing for the function's root.
 */
const REPO = resolve(import.meta.dirname, '../..');
let root: string | undefined;

afterEach(async () => {
  vi.unstubAllEnvs();
  vi.resetModules();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
  root = undefined;
});

/** A fresh API app (fresh modules: the asset cache and the environment are read anew) over a bundle root. */
async function appInBundle(copy: boolean) {
  root = await mkdtemp(join(tmpdir(), 'api-bundle-'));
  if (copy) {
    for (const { from, to } of DASHBOARD_BUNDLE.files) {
      await mkdir(dirname(join(root, to)), { recursive: true });
      await copyFile(join(REPO, from), join(root, to));
    }
  }
  vi.stubEnv('LAMBDA_TASK_ROOT', root);
  for (const [name, value] of Object.entries(DASHBOARD_BUNDLE.environment)) vi.stubEnv(name, value);
  vi.resetModules();
  const { createApiApp } = await import('../../packages/api/src/app');
  const { bucketNotifications } = await import('../../packages/api/src/api-deps');
  return createApiApp({
    jobs: createInMemoryJobStore(),
    input: createInMemoryObjectStore('in'),
    output: createInMemoryObjectStore('out'),
    uploads: bucketNotifications,
    clock: createFakeClock(),
    log: createRecordingLogger(),
    token: 'test-token-0123456789abcdef',
  });
}

describe("the dashboard in the API's Lambda bundle", () => {
  it('copies every file the dashboard serves, flat into the directory the function is told', () => {
    expect(Object.keys(DASHBOARD_BUNDLE.environment)).toEqual([DASHBOARD_DIR_ENV]);
    const dir = DASHBOARD_BUNDLE.environment[DASHBOARD_DIR_ENV];
    expect(DASHBOARD_BUNDLE.files.map(({ to }) => to).sort()).toEqual(
      DASHBOARD_FILES.map((name) => `${dir}/${name}`).sort(),
    );
    for (const { from, to } of DASHBOARD_BUNDLE.files) expect(basename(from)).toBe(basename(to));
  });

  it('serves the page and each file from the bundle, byte for byte the sources', async () => {
    const api = await appInBundle(true);
    expect((await api.request('/')).status).toBe(200);
    for (const { from, to } of DASHBOARD_BUNDLE.files) {
      const response = await api.request(`/dashboard/${basename(to)}`);
      expect(response.status, to).toBe(200);
      expect(await response.text(), to).toBe(await readFile(join(REPO, from), 'utf8'));
    }
  });

  it('serves no page from a bundle the files were not copied into (what a missing copyFiles shows)', async () => {
    const api = await appInBundle(false);
    expect((await api.request('/')).status).toBe(404);
    expect((await api.request('/dashboard/dashboard.js')).status).toBe(404);
    expect((await api.request('/v1/health')).status).toBe(200);
  });
});

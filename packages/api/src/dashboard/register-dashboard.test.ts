import {
  createFakeClock,
  createInMemoryJobStore,
  createInMemoryObjectStore,
  createRecordingLogger,
} from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { bucketNotifications } from '../api-deps';
import { createApiApp } from '../app';
import { DASHBOARD_FILES } from './dashboard-assets';

function app() {
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

describe('the dashboard files', () => {
  it('serves the page and every file of its list without a token, with a strict content security policy', async () => {
    const api = app();
    const page = await api.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain('<script type="module" src="/dashboard/dashboard.js">');
    for (const name of DASHBOARD_FILES.filter((n) => n !== 'index.html')) {
      const file = await api.request(`/dashboard/${name}`);
      expect(file.status, name).toBe(200);
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      expect((await file.text()).length, name).toBeGreaterThan(100);
    }
    expect((await api.request('/dashboard/uPlot.iife.min.js')).headers.get('content-type')).toContain(
      'text/javascript',
    );
  });

  it('serves nothing outside its list: no other file, no path out of its folder', async () => {
    const api = app();
    for (const path of [
      '/dashboard/register-dashboard.ts',
      '/dashboard/..%2F..%2Fpackage.json',
      '/dashboard/%2e%2e%2fapp.ts',
      '/dashboard/constructor',
      '/dashboard/',
    ]) {
      const response = await api.request(path);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('leaves every API route behind the token', async () => {
    const api = app();
    expect((await api.request('/v1/jobs')).status).toBe(401);
    expect((await api.request('/v1/jobs/job_1/stats')).status).toBe(401);
  });
});

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createInline, waitForJob } from '../api/api-helpers';
import { useServe } from '../api/serve-fixture';
import { useBrowser } from './browser';

const serve = useServe({
  promptFaults: [
    // 3 s per `sluggish` line, 8 in flight: a job of 22 runs for 9 s or more, so its progress is seen moving
    // even when a loaded machine takes seconds to open the page.
    { match: 'sluggish', fault: { kind: 'slowHeaders', delayMs: 3_000 } },
    // The endpoint refuses `fragile` lines for good (400): they fail `endpoint_rejected`.
    { match: 'fragile', fault: 'http400' },
  ],
});
const browser = useBrowser();

/** Where screenshots go when `THINKBATCH_SCREENSHOTS` names a directory (the README's come from here). */
const SCREENSHOTS = process.env['THINKBATCH_SCREENSHOTS'];

async function screenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS === undefined) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
}

/** A fresh tab, with every request it makes and every script error or CSP violation it meets. */
async function openTab() {
  const page = await browser.context.newPage();
  const requests: Request[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requests.push(request));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return { page, requests, problems };
}

const lines = (prompts: readonly string[]): string =>
  `${prompts.map((prompt, i) => JSON.stringify({ custom_id: `q-${i + 1}`, prompt })).join('\n')}\n`;

/** The little of a canvas the pixel count needs (the tests are type-checked without the DOM library). */
interface Canvas2d {
  readonly width: number;
  readonly height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/** Painted (not fully transparent) pixels of the first canvas in `selector`. */
function paintedPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(`${selector} canvas`, (element) => {
    const canvas = element as unknown as Canvas2d;
    const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) painted += 1;
    return painted;
  });
}

/** Entries in the tab's sessionStorage. */
const storedEntries = (page: Page): Promise<number> =>
  page.evaluate(
    () => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length,
  );

describe('the dashboard in a real browser, against thinkbatch serve', () => {
  it('loads without a token (static files, no data) and asks for the token', async () => {
    const { page, requests, problems } = await openTab();
    const response = await page.goto(`${serve.url}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByTestId('auth-message').waitFor();
    expect(await page.getByTestId('auth-message').textContent()).toContain('No API token');
    // Without a token it asks the API nothing; uPlot came from this server, not a CDN.
    expect(requests.filter((r) => new URL(r.url()).pathname.startsWith('/v1/'))).toEqual([]);
    expect(requests.map((r) => new URL(r.url()).origin).every((origin) => origin === serve.url)).toBe(true);
    expect(requests.map((r) => new URL(r.url()).pathname)).toContain('/dashboard/uPlot.iife.min.js');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows an auth message when the API refuses the token, and forgets it', async () => {
    const { page, problems } = await openTab();
    await page.goto(`${serve.url}/#token=not-the-token-0123456789`);
    await page.getByTestId('auth-message').waitFor();
    expect(await page.getByTestId('auth-message').textContent()).toContain('refused the token');
    expect(page.url()).not.toContain('not-the-token');
    expect(await storedEntries(page)).toBe(0);
    // The browser logs the 401 itself; nothing else went wrong.
    expect(problems.filter((p) => !p.includes('401'))).toEqual([]);

    // A token pasted into the prompt is used at once.
    await page.getByLabel('API token').fill(serve.token);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByTestId('job-list').waitFor();
    await page.close();
  });

  it('with the token: a submitted job appears, its progress moves, its plots render, its failures and outputs show', async () => {
    const { client, token, url } = serve;
    const prompts = Array.from({ length: 32 }, (_, i) =>
      i === 5 || i === 18
        ? `fragile question ${i}`
        : i % 4 === 0
          ? `quick question ${i}`
          : `sluggish question ${i}`,
    );
    // The page is open before the job starts, so the job's run time is not spent opening it.
    const { page, requests, problems } = await openTab();
    await page.goto(`${url}/#token=${token}`);
    await page.getByTestId('job-list').waitFor();
    const { id } = await createInline(client, lines(prompts), { linesPerChunk: 10 });
    const row = page.locator(`[data-testid="job-row"][data-job-id="${id}"]`);
    await row.waitFor();
    expect(page.url()).toBe(`${url}/#/`);

    await row.getByRole('link', { name: id }).click();
    await page.getByTestId('job-page').waitFor();
    expect(await page.getByTestId('job-id').textContent()).toBe(id);

    // Watch the counter the page shows until the job is done: it moves while the job runs.
    const seen: number[] = [];
    const deadline = Date.now() + 90_000;
    for (;;) {
      const text = await page.getByTestId('lines-done').textContent();
      const done = Number((text ?? '').replaceAll(',', ''));
      if (seen.at(-1) !== done) seen.push(done);
      const status = await page.locator('h1 [data-testid="status"]').textContent();
      if (seen.length === 3 && status === 'running') await screenshot(page, 'dashboard-job-running.png');
      if (status === 'completed' && (await page.locator('[data-testid="output-results.jsonl"]').count()) > 0)
        break;
      if (Date.now() > deadline) throw new Error(`job did not complete in the page: ${seen.join(' → ')}`);
      await page.waitForTimeout(100);
    }
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.at(-1)).toBe(32);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);

    // The page agrees with the API.
    const job = await waitForJob(client, id);
    expect(await page.getByTestId('count-succeeded').textContent()).toBe('30');
    expect(await page.getByTestId('count-failed').textContent()).toBe('2');
    expect(await page.getByTestId('tokens-completion').textContent()).toBe(
      job.tokens.completion_tokens.toLocaleString('en-US'),
    );

    // Both plots drew: canvases with paint, over the points they were given.
    const progress = page.getByTestId('plot-progress');
    expect(Number(await progress.getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
    expect(await paintedPixels(page, '[data-testid="plot-progress"]')).toBeGreaterThan(200);
    const latency = page.getByTestId('plot-latency');
    expect(Number(await latency.getAttribute('data-lines'))).toBe(32);
    expect(await paintedPixels(page, '[data-testid="plot-latency"]')).toBeGreaterThan(200);

    // Failures by code, with their lines; links to the outputs.
    const byCode = await page.getByTestId('failures-by-code').textContent();
    expect(byCode).toContain('endpoint_rejected');
    const failed = await page.getByTestId('failed-lines').locator('tbody tr').allTextContents();
    expect(failed).toHaveLength(2);
    expect(failed[0]).toContain('q-6');
    expect(failed[1]).toContain('q-19');
    const link = await page.getByTestId('output-results.jsonl').getAttribute('href');
    const downloaded = await fetch(link ?? '');
    expect((await downloaded.text()).trim().split('\n')).toHaveLength(32);
    await screenshot(page, 'dashboard-job.png');
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page
      .locator(`[data-testid="job-row"][data-job-id="${id}"] [data-testid="status"]`)
      .getByText('completed')
      .waitFor();
    await screenshot(page, 'dashboard-jobs.png');
    // The status filter asks the API for one status only.
    await page.getByTestId('status-filter').selectOption('failed');
    await page.getByTestId('job-list').getByText('No failed jobs.').waitFor();
    await page.getByTestId('status-filter').selectOption('completed');
    await page.locator(`[data-testid="job-row"][data-job-id="${id}"]`).waitFor();
    expect(requests.some((r) => r.url().endsWith('/v1/jobs?limit=50&status=failed'))).toBe(true);

    // The token went only in Authorization headers, never in a URL; it left the address bar.
    const apiRequests = requests.filter((r) => new URL(r.url()).pathname.startsWith('/v1/'));
    expect(apiRequests.length).toBeGreaterThan(3);
    for (const request of requests) expect(request.url()).not.toContain(token);
    for (const request of apiRequests)
      expect(await request.headerValue('authorization')).toBe(`Bearer ${token}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps refreshing through a failure that may pass (503), and says so meanwhile', async () => {
    const { page } = await openTab();
    await page.goto(`${serve.url}/#token=${serve.token}`);
    await page.getByTestId('job-list').waitFor();
    let refused = 0;
    await page.route('**/v1/jobs?*', async (route) => {
      refused += 1;
      await route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'unavailable', message: 'try later' } }),
      });
    });
    await page.getByTestId('refresh-failed').waitFor();
    expect(await page.getByTestId('refresh-failed').textContent()).toContain('try later');
    expect(await page.getByTestId('job-list').count()).toBe(1);
    await page.unroute('**/v1/jobs?*');
    await page.getByTestId('refresh-failed').waitFor({ state: 'detached' });
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('auth-message').count()).toBe(0);
    await page.close();
  });
});

import { ErrorCode } from '@thinkbatch/core';
import type { Context } from 'hono';
import { ApiError } from '../api-error';
import type { ApiApp } from '../routes/route-kit';
import { dashboardAsset } from './dashboard-assets';

/** Where the dashboard's static files are served (the page itself at `/`). */
export const DASHBOARD_PREFIX = '/dashboard/';

/**
 * True for the paths of the dashboard's static files: they hold no data and load without a token
 * (everything the page shows it fetches from the API, with the token).
 */
export function isDashboardPath(path: string): boolean {
  return path === '/' || path.startsWith(DASHBOARD_PREFIX);
}

/**
 * What a dashboard file may do in the browser: load only this origin's scripts, styles and API, be
 * framed by no one; and tell nothing of its URL (where a token may sit in the fragment) to anyone.
 */
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-cache',
} as const;

/** Serve the dashboard: the page at `/`, its scripts and styles (uPlot's from node_modules) under `/dashboard/`. */
export function registerDashboard(app: ApiApp): void {
  const send = async (c: Context, name: string): Promise<Response> => {
    const asset = await dashboardAsset(name);
    if (asset === null)
      throw new ApiError(`no dashboard file ${name} in this deployment`, { code: ErrorCode.notFound });
    return c.body(asset.body, 200, { 'Content-Type': asset.contentType, ...SECURITY_HEADERS });
  };
  app.get('/', (c) => send(c, 'index.html'));
  app.get(`${DASHBOARD_PREFIX}:name`, (c) => send(c, c.req.param('name')));
}

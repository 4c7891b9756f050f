import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One static file of the dashboard. */
export interface DashboardAsset {
  readonly body: string;
  readonly contentType: string;
}

/**
 * The environment variable naming the directory that holds every dashboard file flat, by its URL name.
 * A Lambda bundle has neither the source tree nor node_modules: the deployment copies the files there
 * (`infra/args/api.ts`, `DASHBOARD_BUNDLE`) and sets this; relative to the function's root
 * (`LAMBDA_TASK_ROOT`). Unset (`serve`, tests), the files are read where the sources and uPlot live.
 */
export const DASHBOARD_DIR_ENV = 'THINKBATCH_DASHBOARD_DIR';

/** Where a bundled dashboard file is, or null when no bundle directory is configured. */
function bundled(name: string): string | null {
  const dir = process.env[DASHBOARD_DIR_ENV];
  if (dir === undefined || dir === '') return null;
  return resolve(process.env['LAMBDA_TASK_ROOT'] ?? process.cwd(), dir, name);
}

/** A file of uPlot's package (resolved when first served). */
const uplot = (file: string): string =>
  bundled(file) ?? createRequire(import.meta.url).resolve(`uplot/dist/${file}`);
const own = (name: string): string =>
  bundled(name) ?? fileURLToPath(new URL(`./assets/${name}`, import.meta.url));

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/**
 * Every file the dashboard serves, by the name in its URL (`/dashboard/<name>`; the page itself at `/`).
 * A fixed list: no part of a request path ever reaches the file system. uPlot comes from node_modules.
 */
const FILES: Readonly<Record<string, { readonly path: () => string; readonly contentType: string }>> = {
  'index.html': { path: () => own('index.html'), contentType: 'text/html; charset=utf-8' },
  'dashboard.css': { path: () => own('dashboard.css'), contentType: CSS },
  'dashboard.js': { path: () => own('dashboard.js'), contentType: JS },
  'api.js': { path: () => own('api.js'), contentType: JS },
  'charts.js': { path: () => own('charts.js'), contentType: JS },
  'format.js': { path: () => own('format.js'), contentType: JS },
  'views.js': { path: () => own('views.js'), contentType: JS },
  'uPlot.iife.min.js': { path: () => uplot('uPlot.iife.min.js'), contentType: JS },
  'uPlot.min.css': { path: () => uplot('uPlot.min.css'), contentType: CSS },
};

/** Names of the files the dashboard serves. */
export const DASHBOARD_FILES: readonly string[] = Object.keys(FILES);

const cache = new Map<string, Promise<DashboardAsset | null>>();

/**
 * The file of `name`, read once and kept; null for a name not in the list, or a file missing from this
 * deployment (a bundle that did not copy the assets).
 */
export function dashboardAsset(name: string): Promise<DashboardAsset | null> {
  const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (file === undefined) return Promise.resolve(null);
  let asset = cache.get(name);
  if (asset === undefined) {
    asset = (async () => {
      try {
        return { body: await readFile(file.path(), 'utf8'), contentType: file.contentType };
      } catch {
        cache.delete(name);
        return null;
      }
    })();
    cache.set(name, asset);
  }
  return asset;
}

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** One static file of the dashboard. */
export interface DashboardAsset {
  readonly body: string;
  readonly contentType: string;
}

/** A file of uPlot's package (resolved when first served: a bundle without node_modules serves no dashboard). */
const uplot = (file: string): string => createRequire(import.meta.url).resolve(`uplot/dist/${file}`);
const own = (name: string): string => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));

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

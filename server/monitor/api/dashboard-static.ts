/**
 * Serves the built dashboard (`dashboard/dist`, `bun run build:ui`) from a monitor through the
 * shared static-file server (`shared/static-files.ts`, one path-traversal guard for every page):
 * `GET /`, `GET /assets/*` (cached an hour, content-hashed by Vite), any other file of the build,
 * and `index.html` for client-side routes. A relative directory is resolved from the repository
 * root (not the working directory); when the dashboard is not built `GET /` says how to build it.
 */
import { isAbsolute, resolve } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { OriginPolicy } from '../../shared/origin-guard.ts';
import { serveStatic } from '../../shared/static-files.ts';

/** The repository root: three folders above this file (server/monitor/api). */
export const REPO_ROOT = resolve(import.meta.dir, '../../..');

/** `dir` made absolute: relative paths are taken from the repository root. */
export function resolveDashboardDir(dir: string): string {
  return isAbsolute(dir) ? dir : resolve(REPO_ROOT, dir);
}

const NOT_BUILT = (dir: string) =>
  `<!doctype html><meta charset="utf-8"><title>zonescale monitor</title><h1>Dashboard not built</h1><p>No <code>index.html</code> in <code>${dir}</code>. Run <code>bun run build:ui</code> in the repository, then reload. The API is live: <a href="/state">/state</a>, <a href="/events">/events</a>, <a href="/openapi.json">/openapi.json</a>.</p>`;

/**
 * Registers the dashboard routes on `app`; call it after the API routes so they win.
 * `transformIndex` rewrites index.html (injects the page key; then it is never cached); `hosts`
 * are the `Host` names the key-bearing index is served under (others get 403).
 */
export function serveDashboard(
  app: OpenAPIHono,
  dir: string,
  transformIndex?: (html: string) => string,
  hosts?: OriginPolicy,
): void {
  const root = resolveDashboardDir(dir);
  serveStatic(app, {
    root,
    notBuilt: NOT_BUILT(root),
    transformIndex: transformIndex && ((html) => transformIndex(html)),
    assetsCacheControl: 'public, max-age=3600',
    spa: true,
    hosts,
  });
}

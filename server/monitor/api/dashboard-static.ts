/**
 * Serves the built dashboard (`dashboard/dist`, `bun run build:ui`) from a monitor: `GET /`,
 * `GET /assets/*` and an `index.html` fallback for client-side routes. A relative directory is
 * resolved from the repository root (not the working directory), paths cannot escape the
 * directory, and when the dashboard is not built `GET /` says how to build it instead of a bare 404.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';

/** The repository root: three folders above this file (server/monitor/api). */
export const REPO_ROOT = resolve(import.meta.dir, '../../..');

/** `dir` made absolute: relative paths are taken from the repository root. */
export function resolveDashboardDir(dir: string): string {
  return isAbsolute(dir) ? dir : resolve(REPO_ROOT, dir);
}

const NOT_BUILT = (dir: string) =>
  `<!doctype html><meta charset="utf-8"><title>zonescale monitor</title><h1>Dashboard not built</h1><p>No <code>index.html</code> in <code>${dir}</code>. Run <code>bun run build:ui</code> in the repository, then reload. The API is live: <a href="/state">/state</a>, <a href="/events">/events</a>, <a href="/openapi.json">/openapi.json</a>.</p>`;

/** A file inside `root` for the URL path, or null (missing, a directory, or outside `root`). */
function fileFor(root: string, urlPath: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const full = normalize(join(root, rel));
  if (full !== root && !full.startsWith(root + sep)) return null;
  try {
    return existsSync(full) && statSync(full).isFile() ? full : null;
  } catch {
    return null;
  }
}

/**
 * Registers the dashboard routes on `app`; call it after the API routes so they win. Static files
 * are cached for an hour under /assets (content-hashed by Vite), index.html is never cached.
 */
export function serveDashboard(
  app: OpenAPIHono,
  dir: string,
  /** Rewrites index.html before it is sent (e.g. injects the page key); then it is never cached. */
  transformIndex?: (html: string) => string,
): void {
  const root = resolveDashboardDir(dir);
  const index = async () => {
    const f = fileFor(root, '/index.html');
    if (f && transformIndex)
      return new Response(transformIndex(await Bun.file(f).text()), {
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
      });
    return f
      ? new Response(Bun.file(f), {
          headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
        })
      : new Response(NOT_BUILT(root), {
          status: 200,
          headers: { 'content-type': 'text/html; charset=utf-8' },
        });
  };
  app.get('/', () => index());
  app.get('/index.html', () => index());
  app.get('/assets/*', (c) => {
    const f = fileFor(root, c.req.path);
    if (!f) return c.json({ error: 'not_found', message: `no asset ${c.req.path}` }, 404);
    return new Response(Bun.file(f), { headers: { 'cache-control': 'public, max-age=3600' } });
  });
  app.get('*', (c) => {
    const f = fileFor(root, c.req.path);
    if (f) return new Response(Bun.file(f));
    if ((c.req.header('accept') ?? '').includes('text/html')) return index();
    return c.json({ error: 'not_found', message: `no route GET ${c.req.path}` }, 404);
  });
}

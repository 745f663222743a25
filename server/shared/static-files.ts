/**
 * The one static-file server of zonescale's pages (the dashboard from a monitor, the app UI from
 * an app server), with the one path-traversal guard `fileInRoot`. A URL path names a file inside
 * the page's root or nothing: it is percent-decoded exactly once from the raw request target
 * (so `%252e%252e` stays a name, not `..`), and refused when the decoded path holds NUL, a
 * backslash or a `..` segment, resolves outside the root, or reaches outside the root through a
 * symlink (the real path is checked too). `index.html` may be rewritten per request (a page key or
 * the page's bootstrap data injected) and is then never cached; a missing build answers a short
 * HTML note saying how to build it; `index.html` is refused with 403 under an untrusted `Host`
 * (DNS rebinding, see `origin-guard.ts`). No answer carries CORS headers.
 */
import { realpath, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { checkBrowserCall, hostOf, hostTrusted, type OriginPolicy } from './origin-guard.ts';

/**
 * The absolute path of the regular file inside `root` that the raw URL path names (e.g.
 * `/assets/a%20b.js`), or null: undecodable, NUL, backslash, `..` segment, outside `root` (also
 * through symlinks), missing, or not a regular file. Never throws.
 */
export async function fileInRoot(root: string, rawPath: string): Promise<string | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').includes('..')) return null;
  const base = resolve(root);
  const full = resolve(base, `.${rel.startsWith('/') ? '' : '/'}${rel}`);
  if (full !== base && !full.startsWith(base + sep)) return null;
  try {
    const [realBase, realFull] = await Promise.all([realpath(base), realpath(full)]);
    if (realFull !== realBase && !realFull.startsWith(realBase + sep)) return null;
    return (await stat(realFull)).isFile() ? realFull : null;
  } catch {
    return null;
  }
}

/** The path of a request as it came on the wire (not decoded), without the query. */
export function rawPathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const q = url.indexOf('?', start);
  const h = url.indexOf('#', start);
  const end = q >= 0 ? q : h >= 0 ? h : url.length;
  return url.slice(start, end);
}

/** How one page is served. */
export interface StaticSite {
  /** Absolute directory of the built page (holds `index.html` and `assets/`). */
  root: string;
  /** HTML answered for the index when `index.html` is missing (the "not built" note). */
  notBuilt: string;
  /** Rewrites `index.html` per request (injects a key or bootstrap data); the answer is `no-store`. */
  transformIndex?: (html: string, c: Context) => string;
  /** `Cache-Control` of `/assets/*` (content-hashed by Vite). */
  assetsCacheControl: string;
  /**
   * Single-page app: any other GET names a file in the root, else answers the index to a browser
   * (`Accept: text/html`) and a JSON 404 to the rest. When false only `/`, `/index.html` and
   * `/assets/*` are served.
   */
  spa: boolean;
  /** `Host` names the index may be served under (it carries a key); omit to serve under any. */
  hosts?: OriginPolicy;
}

const HTML = 'text/html; charset=utf-8';

/** Registers the page's routes on `app`; call it after the API routes so they win. */
export function serveStatic(app: OpenAPIHono, site: StaticSite): void {
  const index = async (c: Context): Promise<Response> => {
    if (site.hosts && !hostTrusted(site.hosts, hostOf(c))) {
      const r = checkBrowserCall(site.hosts, { host: hostOf(c) });
      return c.json({ error: r?.error ?? 'untrusted_host', message: r?.message ?? 'untrusted Host' }, 403);
    }
    const f = await fileInRoot(site.root, '/index.html');
    if (!f) return new Response(site.notBuilt, { status: 200, headers: { 'content-type': HTML } });
    if (site.transformIndex)
      return new Response(site.transformIndex(await Bun.file(f).text(), c), {
        headers: { 'content-type': HTML, 'cache-control': 'no-store' },
      });
    return new Response(Bun.file(f), { headers: { 'content-type': HTML, 'cache-control': 'no-cache' } });
  };
  const notFound = (c: Context) => c.json({ error: 'not_found', message: `no route GET ${c.req.path}` }, 404);
  app.get('/', index);
  app.get('/index.html', index);
  app.get('/assets/*', async (c) => {
    const f = await fileInRoot(site.root, rawPathOf(c.req.url));
    if (!f) return c.json({ error: 'not_found', message: `no asset ${c.req.path}` }, 404);
    return new Response(Bun.file(f), { headers: { 'cache-control': site.assetsCacheControl } });
  });
  if (!site.spa) return;
  app.get('*', async (c) => {
    const f = await fileInRoot(site.root, rawPathOf(c.req.url));
    if (f && !f.endsWith(`${sep}index.html`)) return new Response(Bun.file(f));
    if (f || (c.req.header('accept') ?? '').includes('text/html')) return index(c);
    return notFound(c);
  });
}

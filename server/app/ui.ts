/**
 * Serves the built app page (app-ui/dist, resolved from this file, not the working directory)
 * through the shared static-file server (`shared/static-files.ts`). `index.html` gets the page's
 * bootstrap data injected — `window.__ZONESCALE_APP__ = { id, zone, uiKey, pin }` — replacing the
 * `<!--ZONESCALE_APP_CONFIG-->` placeholder (or before `</head>`), so the page can switch
 * scenarios with its own key and never sees the cluster token, and its calls reach this server
 * through a balancer (`pin`, see `shared/upstream-pin.ts`). When the page is not built, `/`
 * answers with a short HTML note saying how to build it.
 */
import { resolve } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { OriginPolicy } from '../shared/origin-guard.ts';
import { serveStatic } from '../shared/static-files.ts';

/** Where the built page lives: `<repo>/app-ui/dist`. */
export const DEFAULT_UI_DIR = resolve(import.meta.dir, '../../app-ui/dist');

/** The placeholder `app-ui/index.html` carries for the injected bootstrap script. */
export const CONFIG_PLACEHOLDER = '<!--ZONESCALE_APP_CONFIG-->';

/** What the page receives in `window.__ZONESCALE_APP__`. */
export interface PageConfig {
  id: string;
  zone: string;
  /** The per-process key the page sends as `x-ui-key` to `POST /scenario`. */
  uiKey: string;
  /** This server's upstream pin, sent as `x-zonescale-upstream` on the page's calls. */
  pin: string;
}

/** A `<script>` that sets `window.__ZONESCALE_APP__`, safe against `</script>` in values. */
export function configScript(cfg: PageConfig): string {
  const json = JSON.stringify(cfg).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return `<script>window.__ZONESCALE_APP__=${json}</script>`;
}

/** `html` with the bootstrap script injected at the placeholder, else before `</head>`, else first. */
export function injectConfig(html: string, cfg: PageConfig): string {
  const script = configScript(cfg);
  if (html.includes(CONFIG_PLACEHOLDER)) return html.replace(CONFIG_PLACEHOLDER, script);
  if (html.includes('</head>')) return html.replace('</head>', `${script}</head>`);
  return script + html;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>zonescale app</title></head>
<body><h1>zonescale app server</h1><p>The page is not built. Run <code>bun run build:ui</code> and reload.</p></body></html>`;

/**
 * Registers `GET /`, `/index.html` (with `cfg()` injected, never cached, 403 under an untrusted
 * `Host`) and `/assets/*` (immutable) for the page built in `dir`.
 */
export function serveAppUi(app: OpenAPIHono, dir: string, cfg: () => PageConfig, hosts: OriginPolicy): void {
  serveStatic(app, {
    root: resolve(dir),
    notBuilt: NOT_BUILT,
    transformIndex: (html) => injectConfig(html, cfg()),
    assetsCacheControl: 'public, max-age=31536000, immutable',
    spa: false,
    hosts,
  });
}

/**
 * Serves the built app page (app-ui/dist, resolved from this file, not the working directory).
 * `index.html` gets the page's bootstrap data injected — `window.__ZONESCALE_APP__ = { id, zone,
 * uiKey }` — replacing the `<!--ZONESCALE_APP_CONFIG-->` placeholder (or before `</head>`), so the
 * page can switch scenarios with its own key and never sees the cluster token. When the page is
 * not built, `/` answers with a short HTML note saying how to build it.
 */
import { existsSync } from 'node:fs';
import { join, normalize, resolve, sep } from 'node:path';

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

/** The page for `GET /`: the built index.html with `cfg` injected, or the "not built" note. */
export async function indexResponse(dir: string, cfg: PageConfig): Promise<Response> {
  const file = Bun.file(join(dir, 'index.html'));
  const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
  if (!(await file.exists())) return new Response(NOT_BUILT, { status: 200, headers });
  return new Response(injectConfig(await file.text(), cfg), { status: 200, headers });
}

/** A file under `<dir>/assets` for `GET /assets/<rest>`, or null when missing or outside it. */
export function assetFile(dir: string, rest: string): ReturnType<typeof Bun.file> | null {
  const root = resolve(dir, 'assets');
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return null;
  }
  const full = normalize(join(root, decoded));
  if (!full.startsWith(root + sep) || !existsSync(full)) return null;
  return Bun.file(full);
}

/**
 * The dashboard's page key: the credential the page sends (`x-dashboard-key`) to the monitor's
 * control routes instead of the cluster token, which it never sees. It is HMAC-SHA256(token,
 * "dashboard"), so every monitor replica derives the same key and a page that failed over to
 * another replica keeps working; it cannot be turned back into the token. Injected into the
 * dashboard's `index.html` as `window.__ZONESCALE_DASHBOARD__ = { key }` (like the app UI's key).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header the dashboard sends its key in. */
export const PAGE_KEY_HEADER = 'x-dashboard-key';

/** HMAC-SHA256(token, 'dashboard'), base64url. */
export function dashboardKey(token: string): string {
  return createHmac('sha256', token).update('dashboard').digest('base64url');
}

/** Constant-time comparison of an offered key with the expected one. */
export function pageKeyMatches(offered: string | null | undefined, key: string): boolean {
  if (!offered) return false;
  const a = Buffer.from(offered);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `html` with `<script>window.__ZONESCALE_DASHBOARD__={"key":…}</script>` before `</head>` (or first). */
export function injectPageKey(html: string, key: string): string {
  const json = JSON.stringify({ key }).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  const script = `<script>window.__ZONESCALE_DASHBOARD__=${json}</script>`;
  return html.includes('</head>') ? html.replace('</head>', `${script}</head>`) : script + html;
}

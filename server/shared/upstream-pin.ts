/**
 * The upstream pin: how a page served through a zone balancer (or the gateway, then a balancer)
 * sends its own calls to the server that served it. The server puts `upstreamPin(itsUrl)` in the
 * page; the page sends it as `x-zonescale-upstream` on each call; the balancer sends a pinned request
 * to the alive server whose URL has that pin, and never to another one (`proxy/lb/pinned-upstream.ts`).
 * This is HAProxy's `cookie SERVERID` persistence and Traefik's sticky cookie (a hash of the
 * server URL, so the page does not learn internal addresses) carried in a header, because the pin
 * belongs to one page, not to every tab of the browser as a cookie would.
 */
import { createHash } from 'node:crypto';

/** Request header that carries the pin (lower case). */
export const UPSTREAM_PIN_HEADER = 'x-zonescale-upstream';

/**
 * The pin of a server: the first 22 base64url characters (132 bits) of SHA-256 over its origin
 * (`http://127.0.0.1:9101`; path and trailing slash ignored). @throws TypeError when `url` is not a URL.
 */
export function upstreamPin(url: string): string {
  return createHash('sha256').update(new URL(url).origin).digest('base64url').slice(0, 22);
}

/**
 * Header rewriting for the proxy, pure: hop-by-hop headers (RFC 9110 §7.6.1, plus any named in
 * `Connection`) are removed in both directions; requests gain `X-Forwarded-For` (appended to an
 * existing chain), `X-Forwarded-Proto` and `X-Forwarded-Host` (overwritten: this balancer does not
 * trust a client's claims about them). The client's `Host` is passed through, as HAProxy, Envoy and
 * Traefik do by default; the upstream client adds the upstream's own only when the client sent none.
 * An absolute-form request goes upstream in origin-form with its target's authority as the Host
 * (RFC 9112 §3.2.2). A `Connection` option never removes `Host`: Host is end-to-end routing data
 * (RFC 9110 §7.2, and §7.6.1 forbids listing end-to-end fields there), so `Connection: host` is
 * ignored for it; framing headers and X-Forwarded-* are the proxy's own to set whatever it says.
 * The byte-level heads built on these rules are in `spliced-head.ts` (the upstream request head)
 * and `tunnel-heads.ts` (what the full `Bun.serve` front gets).
 */

import { HOP_BY_HOP } from './fields.ts';

/**
 * The header names a `Connection` value lists (lower-case), less `host`, which no hop may remove
 * (see the module comment); `close` and `keep-alive` are included (they name no header).
 */
export function connectionNamed(value: string): Set<string> {
  const out = new Set<string>();
  for (const n of value.split(',')) {
    const name = n.trim().toLowerCase();
    if (name && name !== 'host') out.add(name);
  }
  return out;
}

/** Removes hop-by-hop headers (and those `Connection` names, never Host) from `h` in place and returns it. */
export function stripHopByHop(h: Headers): Headers {
  const conn = h.get('connection');
  if (conn) for (const name of connectionNamed(conn)) h.delete(name);
  for (const name of HOP_BY_HOP) h.delete(name);
  return h;
}

/**
 * Headers to send upstream for a client request: a copy of `src` without hop-by-hop headers, `host`
 * and `content-length` (fetch recomputes both), with the X-Forwarded-* set. `clientIp` may be ''.
 */
export function upstreamRequestHeaders(src: Headers, clientIp: string, proto: 'http' | 'https'): Headers {
  const h = stripHopByHop(new Headers(src));
  const host = src.get('host');
  h.delete('host');
  h.delete('content-length');
  const prior = src.get('x-forwarded-for');
  if (clientIp) h.set('x-forwarded-for', prior ? `${prior}, ${clientIp}` : clientIp);
  h.set('x-forwarded-proto', proto);
  if (host) h.set('x-forwarded-host', host);
  return h;
}

/** Headers to send back to the client for an upstream response: a copy without hop-by-hop headers. */
export function clientResponseHeaders(src: Headers): Headers {
  return stripHopByHop(new Headers(src));
}

/** Path and query of an absolute request URL (`http://h:1/a?b` → `/a?b`), without parsing a URL object. */
export function pathAndQuery(url: string): string {
  const i = url.indexOf('/', url.indexOf('//') + 2);
  return i < 0 ? '/' : url.slice(i);
}

/** Path only (`/a?b` → `/a`), for routing the control API. */
export function pathOnly(url: string): string {
  const pq = pathAndQuery(url);
  const q = pq.indexOf('?');
  return q < 0 ? pq : pq.slice(0, q);
}

/** Header names never copied upstream from the client: hop-by-hop, framing and X-Forwarded-*. */
export const SKIP_UPSTREAM: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  'content-length',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
]);

/**
 * The header block (`name: value\r\n` lines) sent upstream for a client request by the raw upstream
 * client: end-to-end headers of `src` (`Host` included) without hop-by-hop ones (and those named in
 * `Connection`) and framing headers (the client adds framing), then the X-Forwarded-* headers as
 * `upstreamRequestHeaders` sets them. Header values cannot hold CR/LF (the HTTP parser refuses them).
 */
export function forwardedHead(
  src: Iterable<[string, string]>,
  clientIp: string,
  proto: 'http' | 'https',
): string {
  // One pass over the headers; the rare `Connection` naming extra headers triggers a second one.
  let out = '';
  let conn: string | null = null;
  let prior: string | null = null;
  let host: string | null = null;
  for (const [k, v] of src) {
    if (k === 'host') host = v;
    if (SKIP_UPSTREAM.has(k)) {
      if (k === 'x-forwarded-for') prior = v;
      else if (k === 'connection') conn = v;
      continue;
    }
    out += `${k}: ${v}\r\n`;
  }
  if (conn && namesOtherHeaders(conn)) {
    const named = connectionNamed(conn);
    out = '';
    for (const [k, v] of src) if (!SKIP_UPSTREAM.has(k) && !named.has(k)) out += `${k}: ${v}\r\n`;
  }
  if (clientIp) out += `x-forwarded-for: ${prior ? `${prior}, ${clientIp}` : clientIp}\r\n`;
  out += `x-forwarded-proto: ${proto}\r\n`;
  if (host) out += `x-forwarded-host: ${host}\r\n`;
  return out;
}

/** True when a `Connection` value names a header that must go (anything but `keep-alive`, `close`, `host`). */
export function namesOtherHeaders(conn: string): boolean {
  for (const n of connectionNamed(conn)) if (n !== 'keep-alive' && n !== 'close') return true;
  return false;
}

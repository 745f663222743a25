/**
 * Header rewriting for the proxy, pure: hop-by-hop headers (RFC 9110 §7.6.1, plus any named in
 * `Connection`) are removed in both directions; requests gain `X-Forwarded-For` (appended to an
 * existing chain), `X-Forwarded-Proto` and `X-Forwarded-Host` (overwritten: this balancer does not
 * trust a client's claims about them). The client's `Host` is passed through, as HAProxy, Envoy and
 * Traefik do by default; the upstream client adds the upstream's own only when the client sent none.
 */

import { HOP_BY_HOP } from './http1.ts';
import { headerFields, type RequestHead } from './request-head.ts';

const latin1 = new TextDecoder('latin1');

/** Removes hop-by-hop headers from `h` in place and returns it. */
export function stripHopByHop(h: Headers): Headers {
  const conn = h.get('connection');
  if (conn) for (const name of conn.split(',')) if (name.trim()) h.delete(name.trim());
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

const SKIP_UPSTREAM: ReadonlySet<string> = new Set([
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
    const named = new Set(conn.split(',').map((s) => s.trim().toLowerCase()));
    out = '';
    for (const [k, v] of src) if (!SKIP_UPSTREAM.has(k) && !named.has(k)) out += `${k}: ${v}\r\n`;
  }
  if (clientIp) out += `x-forwarded-for: ${prior ? `${prior}, ${clientIp}` : clientIp}\r\n`;
  out += `x-forwarded-proto: ${proto}\r\n`;
  if (host) out += `x-forwarded-host: ${host}\r\n`;
  return out;
}

/** True when a `Connection` value names anything besides `keep-alive` and `close`. */
function namesOtherHeaders(conn: string): boolean {
  for (const name of conn.split(',')) {
    const n = name.trim().toLowerCase();
    if (n && n !== 'keep-alive' && n !== 'close') return true;
  }
  return false;
}

/**
 * The X-Forwarded-* lines a client connection's requests get before their `x-forwarded-host`
 * value: `x-forwarded-for: <clientIp>\r\nx-forwarded-proto: <proto>\r\nx-forwarded-host: `, as
 * latin1 bytes. Made once per connection for `splicedRequestHead`.
 */
export function forwardedPrefix(clientIp: string, proto: 'http' | 'https'): Uint8Array {
  const xff = clientIp ? `x-forwarded-for: ${clientIp}\r\n` : '';
  return Buffer.from(`${xff}x-forwarded-proto: ${proto}\r\nx-forwarded-host: `, 'latin1');
}

const CRLF_CRLF = Buffer.from('\r\n\r\n', 'latin1');

/**
 * The upstream request head for a bodiless HTTP/1.1 request, spliced from the client's own bytes
 * `buf` (parsed as `head`): the request line and every header line `forwardedHead` keeps, copied as
 * they came, then the X-Forwarded-* lines (`prefix` from `forwardedPrefix`, then the Host value) and
 * the blank line — one allocation, no string per header. Null when the request has no `Host` (the
 * upstream client must add one) or is not HTTP/1.1.
 */
export function splicedRequestHead(
  buf: Uint8Array,
  head: RequestHead,
  clientIp: string,
  proto: 'http' | 'https',
  prefix: Uint8Array = forwardedPrefix(clientIp, proto),
): Uint8Array | null {
  if (!head.http11 || head.host < 0) return null;
  const f = head.fields;
  const hs = head.host * 4;
  const hostStart = f[hs + 2] as number;
  const hostEnd = f[hs + 3] as number;
  if (!head.rewrite) {
    // The common case: the client's head up to its blank line, then ours.
    const kept = head.headEnd;
    const out = Buffer.allocUnsafe(kept + prefix.byteLength + (hostEnd - hostStart) + 4);
    out.set(buf.subarray(0, kept), 0);
    out.set(prefix, kept);
    let at = kept + prefix.byteLength;
    for (let i = hostStart; i < hostEnd; i++) out[at++] = buf[i] as number;
    out.set(CRLF_CRLF, at);
    return out;
  }
  // Some lines go: decode the names (rare), keep the others' bytes, add the X-Forwarded-* lines.
  const fields = headerFields(buf, head);
  let prior: string | null = null;
  let named: Set<string> | null = null;
  for (const [k, v] of fields) {
    if (k === 'x-forwarded-for') prior = v;
    else if (k === 'connection' && namesOtherHeaders(v)) {
      named ??= new Set();
      for (const n of v.split(',')) named.add(n.trim().toLowerCase());
    }
  }
  const parts: Uint8Array[] = [buf.subarray(0, fields.length > 0 ? (f[0] as number) : head.headEnd)];
  let size = parts[0]?.byteLength ?? 0;
  for (let i = 0; i < fields.length; i++) {
    const k = (fields[i] as [string, string])[0];
    if (SKIP_UPSTREAM.has(k) || named?.has(k)) continue;
    const line = buf.subarray(
      f[i * 4] as number,
      i + 1 < fields.length ? (f[i * 4 + 4] as number) : head.headEnd,
    );
    parts.push(line);
    size += line.byteLength;
  }
  let extra = '';
  if (clientIp) extra += `x-forwarded-for: ${prior ? `${prior}, ${clientIp}` : clientIp}\r\n`;
  extra += `x-forwarded-proto: ${proto}\r\nx-forwarded-host: ${latin1.decode(buf.subarray(hostStart, hostEnd))}\r\n\r\n`;
  const out = Buffer.allocUnsafe(size + extra.length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  out.write(extra, at, 'latin1');
  return out;
}

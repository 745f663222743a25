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
 */

import { HOP_BY_HOP } from './http1.ts';
import { BadRequestHead, headerFields, type RequestHead } from './request-head.ts';

const latin1 = new TextDecoder('latin1');

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
function namesOtherHeaders(conn: string): boolean {
  for (const n of connectionNamed(conn)) if (n !== 'keep-alive' && n !== 'close') return true;
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
 * the blank line — one allocation, no string per header. An absolute-form request gets an
 * origin-form request line and its authority as the Host. Null when the request has no `Host` (the
 * upstream client must add one) or is not HTTP/1.1.
 */
export function splicedRequestHead(
  buf: Uint8Array,
  head: RequestHead,
  clientIp: string,
  proto: 'http' | 'https',
  prefix: Uint8Array = forwardedPrefix(clientIp, proto),
): Uint8Array | null {
  if (!head.http11 || (head.host < 0 && !head.authority)) return null;
  const f = head.fields;
  if (!head.rewrite) {
    // The common case: the client's head up to its blank line, then ours.
    const hs = head.host * 4;
    const hostStart = f[hs + 2] as number;
    const hostEnd = f[hs + 3] as number;
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
  let host = '';
  for (const [k, v] of fields) {
    if (k === 'x-forwarded-for') prior = v;
    else if (k === 'host' && !host) host = v;
    else if (k === 'connection' && namesOtherHeaders(v))
      for (const n of connectionNamed(v)) (named ??= new Set()).add(n);
  }
  const parts = headParts(buf, head, fields, (k) => SKIP_UPSTREAM.has(k) || !!named?.has(k));
  let extra = '';
  if (clientIp) extra += `x-forwarded-for: ${prior ? `${prior}, ${clientIp}` : clientIp}\r\n`;
  extra += `x-forwarded-proto: ${proto}\r\nx-forwarded-host: ${host}\r\n\r\n`;
  parts.push(Buffer.from(extra, 'latin1'));
  return Buffer.concat(parts);
}

/** The request line of `head` as bytes: the client's own, or origin-form for an absolute-form target. */
function requestLineOf(buf: Uint8Array, head: RequestHead): Uint8Array {
  if (head.authority)
    return Buffer.from(`${head.method} ${head.target} HTTP/1.${head.http11 ? 1 : 0}\r\n`, 'latin1');
  return buf.subarray(0, head.fields.length > 0 ? (head.fields[0] as number) : head.headEnd);
}

/**
 * The upstream head of `head` as byte pieces, without the blank line: its request line (origin-form),
 * the authority as Host for an absolute-form target (in place of the client's Host lines), then the
 * client's header lines whose lower-case name `drop` refuses not.
 */
function headParts(
  buf: Uint8Array,
  head: RequestHead,
  fields: [string, string][],
  drop: (name: string) => boolean,
): Uint8Array[] {
  const parts = [requestLineOf(buf, head)];
  const absolute = head.authority !== '';
  if (absolute) parts.push(Buffer.from(`host: ${head.authority}\r\n`, 'latin1'));
  keptLines(buf, head, fields, (k) => drop(k) || (absolute && k === 'host'), parts);
  return parts;
}

/**
 * Pushes onto `parts` the bytes of each client header line whose lower-case name `skip` refuses
 * not. `fields` is `headerFields(buf, head)` (the authority first when it stands for a missing Host).
 */
function keptLines(
  buf: Uint8Array,
  head: RequestHead,
  fields: [string, string][],
  skip: (name: string) => boolean,
  parts: Uint8Array[],
): void {
  const f = head.fields;
  const skew = head.authority && head.host < 0 ? 1 : 0;
  for (let i = 0; i * 4 < f.length; i++)
    if (!skip((fields[i + skew] as [string, string])[0]))
      parts.push(
        buf.subarray(f[i * 4] as number, i * 4 + 4 < f.length ? (f[i * 4 + 4] as number) : head.headEnd),
      );
}

/**
 * The bytes to hand the full `Bun.serve` front for a tunnelled absolute-form request (Bun would take
 * the client's Host and drop the authority): the head rewritten to origin-form with the authority
 * as its one Host, every other header line as sent (framing included), then the rest of `buf`.
 * `buf` unchanged for an origin-form request.
 */
export function originFormRequest(buf: Uint8Array, head: RequestHead): Uint8Array {
  if (!head.authority) return buf;
  const parts = headParts(buf, head, headerFields(buf, head), () => false);
  parts.push(buf.subarray(head.headEnd));
  return Buffer.concat(parts);
}

/** Largest control-API request body the raw front end holds for a one-shot tunnel, bytes. */
export const MAX_CONTROL_BODY_BYTES = 64 * 1024;

/**
 * The first request of `buf` (parsed as `head`) rewritten for a one-shot tunnel into the full
 * `Bun.serve` front (the control API): origin-form, one Host, its `Connection` lines replaced by
 * `connection: close` — so the full front answers once and closes, and the client's next request is
 * read by the strict front end again, not by Bun's own parser — then its Content-Length body. Null
 * while the body has not all arrived.
 * @throws BadRequestHead 411 for a chunked body, 413 for one over `MAX_CONTROL_BODY_BYTES`.
 */
export function oneShotRequest(buf: Uint8Array, head: RequestHead): Uint8Array | null {
  if (head.transferEncoding)
    throw new BadRequestHead(411, 'a control request needs a Content-Length body', 'length_required');
  const length = Math.max(0, head.contentLength);
  if (length > MAX_CONTROL_BODY_BYTES)
    throw new BadRequestHead(413, 'control request body too large', 'payload_too_large');
  if (buf.byteLength < head.bodyStart + length) return null;
  const parts = headParts(buf, head, headerFields(buf, head), (k) => k === 'connection');
  parts.push(
    Buffer.from('connection: close\r\n\r\n', 'latin1'),
    buf.subarray(head.bodyStart, head.bodyStart + length),
  );
  return Buffer.concat(parts);
}

const CONNECTION_CLOSE = Buffer.from('connection: close\r\n', 'latin1');

/**
 * The first bytes of the full front's answer to a one-shot control request (`oneShotRequest`),
 * with `connection: close` inserted after the status line, so the client does not reuse the
 * connection the full front is about to close (Bun.serve does not say so itself). Unchanged when
 * the status line is not all in `data`, or the answer already carries a Connection header.
 */
export function withConnectionClose(data: Uint8Array): Uint8Array {
  const eol = data.indexOf(10);
  if (eol < 0 || data[eol - 1] !== 13) return data;
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, MAX_CONTROL_BODY_BYTES));
  const end = head.indexOf('\r\n\r\n');
  if (
    head
      .subarray(0, end < 0 ? head.byteLength : end)
      .toString('latin1')
      .toLowerCase()
      .includes('\nconnection:')
  )
    return data;
  return Buffer.concat([data.subarray(0, eol + 1), CONNECTION_CLOSE, data.subarray(eol + 1)]);
}

/**
 * The upstream request head spliced from the client's own bytes, pure: the request line and the
 * header lines the proxy keeps (`header-rules.ts` has the rules) copied as they came, then the
 * X-Forwarded-* lines and, for a buffered body, its `Content-Length`, in one allocation that may
 * also hold the body. Only an absolute-form target, a client `X-Forwarded-For` or a `Connection`
 * naming other headers decode the header names.
 */

import { copyBytes, decimalLength, writeDecimal } from './bytes.ts';
import { headParts } from './head-parts.ts';
import { connectionNamed, namesOtherHeaders, SKIP_UPSTREAM } from './header-rules.ts';
import { headerFields, type RequestHead } from './request-head.ts';

/** `forwardedPrefix` results by protocol and client address; emptied when it reaches `PREFIX_CACHE_SIZE`. */
const prefixCache = new Map<string, Uint8Array>();
const PREFIX_CACHE_SIZE = 4096;

/**
 * The X-Forwarded-* lines a client connection's requests get before their `x-forwarded-host`
 * value: `x-forwarded-for: <clientIp>\r\nx-forwarded-proto: <proto>\r\nx-forwarded-host: `, as
 * latin1 bytes, for `splicedRequestHead`. Cached by address (a returning client's new connection
 * makes no new buffer): the bytes are shared and must not be written to.
 */
export function forwardedPrefix(clientIp: string, proto: 'http' | 'https'): Uint8Array {
  const key = proto === 'http' ? clientIp : `https ${clientIp}`;
  const hit = prefixCache.get(key);
  if (hit) return hit;
  const xff = clientIp ? `x-forwarded-for: ${clientIp}\r\n` : '';
  const made = Buffer.from(`${xff}x-forwarded-proto: ${proto}\r\nx-forwarded-host: `, 'latin1');
  if (prefixCache.size >= PREFIX_CACHE_SIZE) prefixCache.clear();
  prefixCache.set(key, made);
  return made;
}

/**
 * The upstream request head for an HTTP/1.1 request, spliced from the client's own bytes `buf`
 * (parsed as `head`): the request line and every header line `forwardedHead` keeps, copied as they
 * came, then the X-Forwarded-* lines (`prefix` from `forwardedPrefix`, then the Host value), for a
 * body of `bodyBytes` (> 0) a `content-length` line, and the blank line. Without names to decode
 * (`head.decode`) that is one allocation and no string per header, and the buffer returned has
 * `bodyBytes` more bytes after the head for the caller to fill with the body (so head and body go
 * upstream in one write). An absolute-form request gets an origin-form request line and its
 * authority as the Host. Null when the request has no `Host` (the upstream client must add one), is
 * not HTTP/1.1, or has a body and names to decode (the caller builds header lines instead).
 */
export function splicedRequestHead(
  buf: Uint8Array,
  head: RequestHead,
  clientIp: string,
  proto: 'http' | 'https',
  prefix: Uint8Array = forwardedPrefix(clientIp, proto),
  bodyBytes = 0,
): Uint8Array | null {
  if (!head.http11 || (head.host < 0 && !head.authority)) return null;
  if (!head.decode) return fastSplice(buf, head, prefix, bodyBytes);
  if (bodyBytes > 0) return null;
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

/** Where header line `i` of `head` ends (the next line's start, or `headEnd`). */
function lineEnd(head: RequestHead, i: number): number {
  const f = head.fields;
  return i * 4 + 4 < f.length ? (f[i * 4 + 4] as number) : head.headEnd;
}

/** `content-length: ` as latin1 bytes (the framing line of a buffered body). */
const CONTENT_LENGTH = Buffer.from('content-length: ', 'latin1');

/** `splicedRequestHead` without decoding: the head less its dropped lines, then ours (see there). */
function fastSplice(buf: Uint8Array, head: RequestHead, prefix: Uint8Array, bodyBytes: number): Uint8Array {
  const f = head.fields;
  const dropped = head.dropped;
  let kept = head.headEnd;
  for (const i of dropped) kept -= lineEnd(head, i) - (f[i * 4] as number);
  const hs = head.host * 4;
  const hostStart = f[hs + 2] as number;
  const hostEnd = f[hs + 3] as number;
  const framing = bodyBytes > 0 ? CONTENT_LENGTH.byteLength + decimalLength(bodyBytes) + 2 : 0;
  const headBytes = kept + prefix.byteLength + (hostEnd - hostStart) + 2 + framing + 2;
  const out = Buffer.allocUnsafe(headBytes + bodyBytes);
  let at = 0;
  let from = 0;
  for (const i of dropped) {
    at = copyBytes(buf, from, f[i * 4] as number, out, at);
    from = lineEnd(head, i);
  }
  at = copyBytes(buf, from, head.headEnd, out, at);
  at = copyBytes(prefix, 0, prefix.byteLength, out, at);
  at = copyBytes(buf, hostStart, hostEnd, out, at);
  out[at++] = 13;
  out[at++] = 10;
  if (framing > 0) {
    at = copyBytes(CONTENT_LENGTH, 0, CONTENT_LENGTH.byteLength, out, at);
    at = writeDecimal(bodyBytes, out, at);
    out[at++] = 13;
    out[at++] = 10;
  }
  out[at++] = 13;
  out[at] = 10;
  return out;
}

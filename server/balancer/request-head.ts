/**
 * HTTP/1.1 request heads for the balancer's raw front end (`front-end.ts`), pure: finds and parses
 * the request line and header fields (RFC 9112 §3, §5) of the bytes a client sent, and notes what
 * decides the fast path — body framing (`Content-Length`, `Transfer-Encoding`), `Upgrade`, `Expect`
 * and whether the connection stays open afterwards (`Connection`, HTTP/1.0). Anything unusual is
 * left to the full `Bun.serve` path, which the front end tunnels the connection to.
 *
 * The parse reads bytes and records offsets instead of building a string per header: the common
 * request is forwarded by splicing its own bytes (`splicedRequestHead`), so only the method and
 * target become strings. `headerFields` / `headerValue` decode headers on demand, from the same
 * bytes, which must still be the ones parsed.
 */
import { findHeadEnd, nameIs } from './http1.ts';

/** A parsed request head. Offsets index the buffer that was parsed. */
export interface RequestHead {
  method: string;
  /** The request target as sent (origin-form `/path?q` on the fast path). */
  target: string;
  /** True for HTTP/1.1, false for HTTP/1.0. */
  http11: boolean;
  /**
   * Four offsets per header line, in order: line start, name end (the colon), value start and value
   * end (whitespace trimmed). The request line ends at `fields[0]` (or `headEnd` without headers).
   */
  fields: number[];
  /** Offset just past the last header line's CRLF, where the blank line starts. */
  headEnd: number;
  /** Index (in header order) of the first `Host` header, -1 when absent. */
  host: number;
  /**
   * A header the proxy rewrites is present: hop-by-hop (RFC 9110 §7.6.1, incl. `Connection`),
   * `Content-Length` or a client's `X-Forwarded-*`.
   */
  rewrite: boolean;
  /** `Content-Length`, or -1 when absent. */
  contentLength: number;
  /** A `Transfer-Encoding` header is present (the body is chunked or otherwise coded). */
  transferEncoding: boolean;
  /** An `Upgrade` or `Expect` header is present (WebSocket, h2c, 100-continue). */
  special: boolean;
  /** The client lets the connection be reused after this exchange. */
  keepAlive: boolean;
  /** Offset just past the blank line ending the head. */
  bodyStart: number;
}

/** Largest request head accepted, bytes (Bun.serve and nginx default to about this much). */
export const MAX_REQUEST_HEAD_BYTES = 64 * 1024;

/** `tchar` of RFC 9110 §5.6.2, by byte. */
const TOKEN_CHAR = new Uint8Array(256);
for (const ch of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
  TOKEN_CHAR[ch.charCodeAt(0)] = 1;

const latin1 = new TextDecoder('latin1');

/** A request the front end cannot read: it answers `status` and closes the connection. */
export class BadRequestHead extends Error {
  constructor(
    readonly status: 400 | 431 | 505,
    message: string,
  ) {
    super(message);
    this.name = 'BadRequestHead';
  }
}

/** Header names the parse reacts to. */
const enum Known {
  Other,
  Host,
  ContentLength,
  TransferEncoding,
  Connection,
  Upgrade,
  Expect,
  /** Rewritten by the proxy, nothing else to note: other hop-by-hop names and X-Forwarded-*. */
  Rewritten,
}

/** Classifies the header name at `buf[at..at+len)`, by length first. */
function known(buf: Uint8Array, at: number, len: number): Known {
  switch (len) {
    case 2:
      return nameIs(buf, at, len, 'te') ? Known.Rewritten : Known.Other;
    case 4:
      return nameIs(buf, at, len, 'host') ? Known.Host : Known.Other;
    case 6:
      return nameIs(buf, at, len, 'expect') ? Known.Expect : Known.Other;
    case 7:
      if (nameIs(buf, at, len, 'upgrade')) return Known.Upgrade;
      return nameIs(buf, at, len, 'trailer') ? Known.Rewritten : Known.Other;
    case 10:
      if (nameIs(buf, at, len, 'connection')) return Known.Connection;
      return nameIs(buf, at, len, 'keep-alive') ? Known.Rewritten : Known.Other;
    case 14:
      return nameIs(buf, at, len, 'content-length') ? Known.ContentLength : Known.Other;
    case 15:
      return nameIs(buf, at, len, 'x-forwarded-for') ? Known.Rewritten : Known.Other;
    case 16:
      return nameIs(buf, at, len, 'proxy-connection') || nameIs(buf, at, len, 'x-forwarded-host')
        ? Known.Rewritten
        : Known.Other;
    case 17:
      if (nameIs(buf, at, len, 'transfer-encoding')) return Known.TransferEncoding;
      return nameIs(buf, at, len, 'x-forwarded-proto') ? Known.Rewritten : Known.Other;
    case 18:
      return nameIs(buf, at, len, 'proxy-authenticate') ? Known.Rewritten : Known.Other;
    case 19:
      return nameIs(buf, at, len, 'proxy-authorization') ? Known.Rewritten : Known.Other;
    default:
      return Known.Other;
  }
}

/** The method as a string: the common ones without decoding. */
function methodOf(buf: Uint8Array, len: number): string {
  if (len === 3 && buf[0] === 71 && buf[1] === 69 && buf[2] === 84) return 'GET';
  if (len === 4 && buf[0] === 72 && buf[1] === 69 && buf[2] === 65 && buf[3] === 68) return 'HEAD';
  return latin1.decode(buf.subarray(0, len));
}

/** True when `buf[from..to)` holds a CR, LF or NUL (not allowed inside a field value or target). */
function hasControl(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = buf[i] as number;
    if (b === 13 || b === 10 || b === 0) return true;
  }
  return false;
}

/**
 * Parses the request head at the start of `buf`; null when it is not complete yet. With `into`
 * (a head the caller is done with, e.g. the previous request of the same connection) the result is
 * written into it and its `fields` array is reused: no allocation beyond the target string.
 * @throws BadRequestHead on a malformed request line or header (400), a head over
 *   `MAX_REQUEST_HEAD_BYTES` (431) or an HTTP version other than 1.0/1.1 (505).
 */
export function parseRequestHead(buf: Uint8Array, into?: RequestHead): RequestHead | null {
  const end = findHeadEnd(buf);
  if (end < 0) {
    if (buf.byteLength > MAX_REQUEST_HEAD_BYTES) throw new BadRequestHead(431, 'request head too large');
    return null;
  }
  if (end > MAX_REQUEST_HEAD_BYTES) throw new BadRequestHead(431, 'request head too large');
  // Request line: method SP target SP version CRLF.
  const eol = buf.indexOf(13);
  const sp1 = buf.indexOf(32);
  const sp2 = sp1 < 0 ? -1 : buf.indexOf(32, sp1 + 1);
  if (sp1 <= 0 || sp2 <= sp1 + 1 || sp2 > eol || buf[eol + 1] !== 10 || hasControl(buf, 0, eol))
    throw new BadRequestHead(400, 'malformed request line');
  for (let i = 0; i < sp1; i++)
    if (TOKEN_CHAR[buf[i] as number] !== 1) throw new BadRequestHead(400, 'malformed request line');
  const vlen = eol - sp2 - 1;
  const v = sp2 + 1;
  const isHttp = vlen >= 5 && buf[v] === 72 && buf[v + 1] === 84 && buf[v + 2] === 84 && buf[v + 3] === 80;
  if (!isHttp || buf[v + 4] !== 47) throw new BadRequestHead(400, 'malformed request line');
  const minor = buf[v + 7];
  if (vlen !== 8 || buf[v + 5] !== 49 || buf[v + 6] !== 46 || (minor !== 48 && minor !== 49)) {
    if (buf.indexOf(32, v) >= 0 && buf.indexOf(32, v) < eol)
      throw new BadRequestHead(400, 'malformed request line');
    throw new BadRequestHead(
      505,
      `unsupported version ${latin1.decode(buf.subarray(v, Math.min(eol, v + 20)))}`,
    );
  }
  const http11 = minor === 49;
  const fields: number[] = into ? into.fields : [];
  fields.length = 0;
  let contentLength = -1;
  let transferEncoding = false;
  let special = false;
  let rewrite = false;
  let host = -1;
  let connection = '';
  let at = eol + 2;
  const stop = end + 2;
  while (at < stop) {
    const lineEnd = buf.indexOf(13, at);
    if (lineEnd < 0 || lineEnd > end || buf[lineEnd + 1] !== 10)
      throw new BadRequestHead(400, 'malformed header line');
    let colon = at;
    while (colon < lineEnd && buf[colon] !== 58) {
      if (TOKEN_CHAR[buf[colon] as number] !== 1) throw new BadRequestHead(400, 'malformed header line');
      colon++;
    }
    if (colon === at || colon === lineEnd) throw new BadRequestHead(400, 'malformed header line');
    let vs = colon + 1;
    while (vs < lineEnd && (buf[vs] === 32 || buf[vs] === 9)) vs++;
    let ve = lineEnd;
    while (ve > vs && (buf[ve - 1] === 32 || buf[ve - 1] === 9)) ve--;
    if (hasControl(buf, vs, ve)) throw new BadRequestHead(400, 'malformed header value');
    const index = fields.length >> 2;
    fields.push(at, colon, vs, ve);
    switch (known(buf, at, colon - at)) {
      case Known.Other:
        break;
      case Known.Host:
        if (host < 0) host = index;
        break;
      case Known.ContentLength: {
        rewrite = true;
        let n = 0;
        for (let k = vs; k < ve; k++) {
          const dg = (buf[k] as number) - 48;
          if (dg < 0 || dg > 9 || k - vs > 15) throw new BadRequestHead(400, 'bad content-length');
          n = n * 10 + dg;
        }
        if (ve === vs || (contentLength >= 0 && contentLength !== n))
          throw new BadRequestHead(400, 'bad content-length');
        contentLength = n;
        break;
      }
      case Known.TransferEncoding:
        rewrite = true;
        transferEncoding = true;
        break;
      case Known.Connection: {
        rewrite = true;
        const value = latin1.decode(buf.subarray(vs, ve));
        connection = connection ? `${connection},${value}` : value;
        break;
      }
      case Known.Upgrade:
        rewrite = true;
        special = true;
        break;
      case Known.Expect:
        special = true;
        break;
      case Known.Rewritten:
        rewrite = true;
        break;
    }
    at = lineEnd + 2;
  }
  let keepAlive = http11;
  if (connection) {
    const tokens = connection.toLowerCase();
    if (/(^|,)\s*close\s*(,|$)/.test(tokens)) keepAlive = false;
    else if (!http11 && /(^|,)\s*keep-alive\s*(,|$)/.test(tokens)) keepAlive = true;
  }
  const h: RequestHead = into ?? {
    method: '',
    target: '',
    http11,
    fields,
    headEnd: 0,
    host,
    rewrite,
    contentLength,
    transferEncoding,
    special,
    keepAlive,
    bodyStart: 0,
  };
  h.method = methodOf(buf, sp1);
  h.target = latin1.decode(buf.subarray(sp1 + 1, sp2));
  h.http11 = http11;
  h.headEnd = Math.min(at, stop);
  h.host = host;
  h.rewrite = rewrite;
  h.contentLength = contentLength;
  h.transferEncoding = transferEncoding;
  h.special = special;
  h.keepAlive = keepAlive;
  h.bodyStart = end + 4;
  return h;
}

/** The header fields of `head` as `[name, value]`, names lower-cased, in order; `buf` is the parsed buffer. */
export function headerFields(buf: Uint8Array, head: RequestHead): [string, string][] {
  const f = head.fields;
  const out: [string, string][] = [];
  for (let i = 0; i < f.length; i += 4)
    out.push([
      latin1.decode(buf.subarray(f[i] as number, f[i + 1] as number)).toLowerCase(),
      latin1.decode(buf.subarray(f[i + 2] as number, f[i + 3] as number)),
    ]);
  return out;
}

/** The first value of header `name` (lower-case) in `head`, or undefined; `buf` is the parsed buffer. */
export function headerValue(buf: Uint8Array, head: RequestHead, name: string): string | undefined {
  const f = head.fields;
  for (let i = 0; i < f.length; i += 4) {
    const at = f[i] as number;
    if (nameIs(buf, at, (f[i + 1] as number) - at, name))
      return latin1.decode(buf.subarray(f[i + 2] as number, f[i + 3] as number));
  }
  return undefined;
}

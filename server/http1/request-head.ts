/**
 * HTTP/1.1 request heads for the balancer's raw front end (`server/http1/server/connection.ts`), pure: finds and parses
 * the request line (`request-line.ts`) and header fields (RFC 9112 §3, §5) of the bytes a client
 * sent, strictly (one Host, no bare LF, no control bytes), and notes what decides the fast path — body framing (`Content-Length`, `Transfer-Encoding`), `Upgrade`, `Expect`
 * and whether the connection stays open afterwards (`Connection`, HTTP/1.0). Anything unusual is
 * left to the full `Bun.serve` path, which the front end tunnels the connection to.
 *
 * The parse reads bytes and records offsets instead of building a string per header: the common
 * request is forwarded by splicing its own bytes (`splicedRequestHead`), so only the method and
 * target become strings. `headerFields` / `headerValue` decode headers on demand, from the same
 * bytes, which must still be the ones parsed.
 */
import { nameIs, TOKEN_CHAR } from './fields.ts';
import {
  AUTHORITY_CHAR,
  BadRequestHead,
  parseRequestLine,
  type RequestLine,
  requestHeadEnd,
} from './request-line.ts';

export { BadRequestHead, MAX_REQUEST_HEAD_BYTES, scanResume } from './request-line.ts';

/** A parsed request head. Offsets index the buffer that was parsed. */
export interface RequestHead extends RequestLine {
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
  /**
   * Header indexes (in order) of the lines a splice leaves out: hop-by-hop ones, framing and the
   * client's `X-Forwarded-Proto`/`-Host` (the proxy sets its own).
   */
  dropped: number[];
  /**
   * The splice needs decoded names: an absolute-form target, a client `X-Forwarded-For` (the chain
   * is appended to) or a `Connection` naming other headers.
   */
  decode: boolean;
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

const latin1 = new TextDecoder('latin1');

/** Header names the parse reacts to. */
const enum Known {
  Other,
  Host,
  ContentLength,
  TransferEncoding,
  Connection,
  Upgrade,
  Expect,
  /** Rewritten by the proxy, nothing else to note: other hop-by-hop names and X-Forwarded-Proto/-Host. */
  Rewritten,
  /** `X-Forwarded-For`: the proxy appends to the client's chain. */
  ForwardedFor,
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
      return nameIs(buf, at, len, 'x-forwarded-for') ? Known.ForwardedFor : Known.Other;
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
 * `from` resumes the head-end scan (`requestHeadEnd`) of bytes an earlier call found incomplete.
 * @throws BadRequestHead on a malformed request line, target or header line, a bare LF, two `Host`
 *   headers or an invalid Host value (400, RFC 9112 §3.2), CONNECT (405), a head over
 *   `MAX_REQUEST_HEAD_BYTES` (431) or an HTTP version other than 1.0/1.1 (505).
 */
export function parseRequestHead(buf: Uint8Array, into?: RequestHead, from = 0): RequestHead | null {
  const end = requestHeadEnd(buf, from);
  if (end < 0) return null;
  const h: RequestHead = into ?? {
    method: '',
    target: '',
    authority: '',
    http11: true,
    fields: [],
    dropped: [],
    decode: false,
    headEnd: 0,
    host: -1,
    rewrite: false,
    contentLength: -1,
    transferEncoding: false,
    special: false,
    keepAlive: true,
    bodyStart: 0,
  };
  // Request line: method SP target SP version CRLF (the scan saw no bare LF; a bare CR ends here).
  const eol = buf.indexOf(13);
  if (buf[eol + 1] !== 10) throw new BadRequestHead(400, 'malformed request line');
  parseRequestLine(buf, eol, h);
  const http11 = h.http11;
  const fields = h.fields;
  fields.length = 0;
  const dropped = h.dropped;
  dropped.length = 0;
  let decode = h.authority !== '';
  let contentLength = -1;
  let transferEncoding = false;
  let special = false;
  let rewrite = h.authority !== '';
  let host = -1;
  let connection = '';
  let closeToken = false;
  let keepToken = false;
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
    const kind = known(buf, at, colon - at);
    if (kind >= Known.ContentLength && kind !== Known.Expect) dropped.push(index);
    switch (kind) {
      case Known.Other:
        break;
      case Known.Host:
        // RFC 9112 §3.2: more than one Host line, or an invalid value, is a 400.
        if (host >= 0) throw new BadRequestHead(400, 'more than one Host header');
        for (let k = vs; k < ve; k++)
          if (AUTHORITY_CHAR[buf[k] as number] !== 1) throw new BadRequestHead(400, 'invalid Host header');
        host = index;
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
        // The usual single token is read in place; any other value is decoded and split below.
        if (nameIs(buf, vs, ve - vs, 'close')) closeToken = true;
        else if (nameIs(buf, vs, ve - vs, 'keep-alive')) keepToken = true;
        else {
          const value = latin1.decode(buf.subarray(vs, ve));
          connection = connection ? `${connection},${value}` : value;
        }
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
      case Known.ForwardedFor:
        rewrite = true;
        decode = true;
        break;
    }
    at = lineEnd + 2;
  }
  let keepAlive = http11;
  let close = closeToken;
  let keep = keepToken;
  if (connection)
    for (const t of connection.toLowerCase().split(',')) {
      const token = t.trim();
      if (token === 'close') close = true;
      else if (token === 'keep-alive') keep = true;
      else if (token !== '' && token !== 'host') decode = true; // names a header to remove
    }
  if (close) keepAlive = false;
  else if (!http11 && keep) keepAlive = true;
  h.decode = decode;
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

/**
 * The header fields of `head` as `[name, value]`, names lower-cased, in order; `buf` is the parsed
 * buffer. For an absolute-form target the Host is its authority (RFC 9112 §3.2.2), in place of the
 * client's Host line or first when it sent none.
 */
export function headerFields(buf: Uint8Array, head: RequestHead): [string, string][] {
  const f = head.fields;
  const out: [string, string][] = [];
  if (head.authority && head.host < 0) out.push(['host', head.authority]);
  for (let i = 0; i < f.length; i += 4)
    out.push([
      latin1.decode(buf.subarray(f[i] as number, f[i + 1] as number)).toLowerCase(),
      head.authority && i === head.host * 4
        ? head.authority
        : latin1.decode(buf.subarray(f[i + 2] as number, f[i + 3] as number)),
    ]);
  return out;
}

/**
 * The first value of header `name` (lower-case) in `head`, or undefined; `buf` is the parsed buffer.
 * `host` of an absolute-form request is the target's authority.
 */
export function headerValue(buf: Uint8Array, head: RequestHead, name: string): string | undefined {
  if (head.authority && name === 'host') return head.authority;
  const f = head.fields;
  for (let i = 0; i < f.length; i += 4) {
    const at = f[i] as number;
    if (nameIs(buf, at, (f[i + 1] as number) - at, name))
      return latin1.decode(buf.subarray(f[i + 2] as number, f[i + 3] as number));
  }
  return undefined;
}

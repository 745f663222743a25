/**
 * HTTP/1.1 request heads for the balancer's raw front end (`front-end.ts`), pure: finds and parses
 * the request line and header fields (RFC 9112 §3, §5) of the bytes a client sent, and notes what
 * decides the fast path — body framing (`Content-Length`, `Transfer-Encoding`), `Upgrade`, `Expect`
 * and whether the connection stays open afterwards (`Connection`, HTTP/1.0). Anything unusual is
 * left to the full `Bun.serve` path, which the front end tunnels the connection to.
 */
import { findHeadEnd } from './http1.ts';

/** A parsed request head. Header names are lower-cased; values are trimmed; order is kept. */
export interface RequestHead {
  method: string;
  /** The request target as sent (origin-form `/path?q` on the fast path). */
  target: string;
  /** True for HTTP/1.1, false for HTTP/1.0. */
  http11: boolean;
  headers: [string, string][];
  /**
   * Byte offsets in the parsed buffer: `lines[i]` is where header line `i` starts and
   * `lines[headers.length]` is just past the last one (where the blank line starts); the request
   * line ends at `lines[0]`. Lets the proxy splice the head without re-encoding it.
   */
  lines: number[];
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

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
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

/**
 * Parses the request head at the start of `buf`; null when it is not complete yet.
 * @throws BadRequestHead on a malformed request line or header (400), a head over
 *   `MAX_REQUEST_HEAD_BYTES` (431) or an HTTP version other than 1.0/1.1 (505).
 */
export function parseRequestHead(buf: Uint8Array): RequestHead | null {
  const end = findHeadEnd(buf);
  if (end < 0) {
    if (buf.byteLength > MAX_REQUEST_HEAD_BYTES) throw new BadRequestHead(431, 'request head too large');
    return null;
  }
  if (end > MAX_REQUEST_HEAD_BYTES) throw new BadRequestHead(431, 'request head too large');
  const text = latin1.decode(buf.subarray(0, end));
  let eol = text.indexOf('\r\n');
  if (eol < 0) eol = text.length;
  const sp1 = text.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : text.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 <= sp1 + 1 || sp2 > eol) throw new BadRequestHead(400, 'malformed request line');
  const method = text.slice(0, sp1);
  const target = text.slice(sp1 + 1, sp2);
  const version = text.slice(sp2 + 1, eol);
  if (!TOKEN.test(method) || target.includes(' ') || text.slice(0, eol).includes('\n'))
    throw new BadRequestHead(400, 'malformed request line');
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') {
    if (!version.startsWith('HTTP/')) throw new BadRequestHead(400, 'malformed request line');
    throw new BadRequestHead(505, `unsupported version ${version.slice(0, 20)}`);
  }
  const http11 = version === 'HTTP/1.1';
  const headers: [string, string][] = [];
  const lines: number[] = [];
  let contentLength = -1;
  let transferEncoding = false;
  let special = false;
  let connection = '';
  let at = eol + 2;
  while (at < text.length) {
    let next = text.indexOf('\r\n', at);
    if (next < 0) next = text.length;
    const c = text.indexOf(':', at);
    if (c <= at || c > next) throw new BadRequestHead(400, 'malformed header line');
    const name = text.slice(at, c);
    const value = text.slice(c + 1, next).trim();
    lines.push(at);
    at = next + 2;
    if (!TOKEN.test(name) || value.includes('\n') || value.includes('\r') || value.includes('\0'))
      throw new BadRequestHead(400, `malformed header ${name.slice(0, 40)}`);
    const lower = name.toLowerCase();
    headers.push([lower, value]);
    if (lower === 'content-length') {
      const n = Number(value);
      if (value === '' || !Number.isSafeInteger(n) || n < 0 || (contentLength >= 0 && contentLength !== n))
        throw new BadRequestHead(400, 'bad content-length');
      contentLength = n;
    } else if (lower === 'transfer-encoding') transferEncoding = true;
    else if (lower === 'upgrade' || lower === 'expect') special = true;
    else if (lower === 'connection') connection = connection ? `${connection},${value}` : value;
  }
  let keepAlive = http11;
  if (connection) {
    const tokens = connection.toLowerCase();
    if (/(^|,)\s*close\s*(,|$)/.test(tokens)) keepAlive = false;
    else if (!http11 && /(^|,)\s*keep-alive\s*(,|$)/.test(tokens)) keepAlive = true;
  }
  lines.push(Math.min(at, end + 2));
  return {
    method,
    target,
    http11,
    headers,
    lines,
    contentLength,
    transferEncoding,
    special,
    keepAlive,
    bodyStart: end + 4,
  };
}

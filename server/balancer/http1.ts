/**
 * HTTP/1.1 wire helpers for the upstream client, pure: find and parse a response head (RFC 9112
 * §4–6), decide how its body is framed (none, `Content-Length`, chunked, or until close) and decode
 * chunked bodies incrementally as bytes arrive (`ChunkedDecoder`). Hop-by-hop response headers are
 * dropped while parsing, so the proxy never copies them to the client.
 */

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus `proxy-connection`; never forwarded. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** A parsed response head. `contentLength` is -1 when absent. */
export interface ResponseHead {
  status: number;
  statusText: string;
  /** End-to-end headers as `[name, value]`, names lower-cased, hop-by-hop and content-length removed. */
  headers: [string, string][];
  contentLength: number;
  chunked: boolean;
  /** The upstream lets the connection be reused (HTTP/1.1 without `Connection: close`). */
  keepAlive: boolean;
  /** Offset just past the blank line ending the head. */
  bodyStart: number;
}

/** How a response body is delimited. */
export type BodyFraming = 'none' | 'length' | 'chunked' | 'close';

/** Offset of the `\r\n\r\n` ending a head in `buf[from..]`, or -1 when not complete yet. */
export function findHeadEnd(buf: Uint8Array, from = 0): number {
  // A plain loop: heads are short, and it beats an `indexOf` call per CR.
  const last = buf.length - 3;
  for (let i = from; i < last; i++)
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i;
  return -1;
}

const latin1 = new TextDecoder('latin1');

/**
 * Parses the response head at the start of `buf`; null when the head is not complete yet.
 * @throws Error on a malformed status line or header, or a bad Content-Length.
 */
export function parseResponseHead(buf: Uint8Array): ResponseHead | null {
  const end = findHeadEnd(buf);
  if (end < 0) return null;
  const text = latin1.decode(buf.subarray(0, end));
  // Status line `HTTP/1.x NNN reason`, checked by hand (a regex per response showed in profiles).
  let eol = text.indexOf('\r\n');
  if (eol < 0) eol = text.length;
  const minor = text.charCodeAt(7);
  const d0 = text.charCodeAt(9) - 48;
  const d1 = text.charCodeAt(10) - 48;
  const d2 = text.charCodeAt(11) - 48;
  if (
    !text.startsWith('HTTP/1.') ||
    (minor !== 48 && minor !== 49) ||
    text.charCodeAt(8) !== 32 ||
    !(d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) ||
    (eol > 12 && text.charCodeAt(12) !== 32) ||
    eol < 12
  )
    throw new Error(`malformed status line: ${text.slice(0, Math.min(eol, 80))}`);
  const http11 = minor === 49;
  let keepAlive = http11;
  let contentLength = -1;
  let chunked = false;
  let connection = '';
  const headers: [string, string][] = [];
  let at = eol + 2;
  while (at < text.length) {
    let next = text.indexOf('\r\n', at);
    if (next < 0) next = text.length;
    const c = text.indexOf(':', at);
    if (c <= at || c > next)
      throw new Error(`malformed header line: ${text.slice(at, Math.min(next, at + 80))}`);
    const name = text.slice(at, c).trim().toLowerCase();
    const value = text.slice(c + 1, next).trim();
    at = next + 2;
    if (name === 'content-length') {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad content-length: ${value}`);
      contentLength = n;
    } else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
    else if (name === 'connection') connection = value.toLowerCase();
    else if (!HOP_BY_HOP.has(name)) headers.push([name, value]);
  }
  if (connection) {
    const named = connection.split(',').map((s) => s.trim());
    if (named.includes('close')) keepAlive = false;
    if (named.includes('keep-alive') && !http11) keepAlive = true;
    const drop = new Set(named);
    if (drop.size > 0)
      for (let i = headers.length - 1; i >= 0; i--)
        if (drop.has(headers[i]?.[0] as string)) headers.splice(i, 1);
  }
  return {
    status: d0 * 100 + d1 * 10 + d2,
    statusText: eol > 13 ? text.slice(13, eol) : '',
    headers,
    contentLength: chunked ? -1 : contentLength,
    chunked,
    keepAlive,
    bodyStart: end + 4,
  };
}

/**
 * What the proxy's fast path needs from a response head, read straight from the bytes without
 * building strings: status, framing and whether the head can go to the client unchanged.
 */
export interface ResponseScan {
  status: number;
  /** `Content-Length`, or -1 when absent. */
  contentLength: number;
  /**
   * HTTP/1.1 with one valid `Content-Length` or none, no `Transfer-Encoding`, and a `Connection`
   * (if any) of just `keep-alive` or `close`: the head may be forwarded as its bytes, less the
   * hop-by-hop lines in `drop`.
   */
  clean: boolean;
  /** The upstream keeps the connection open afterwards (no `Connection: close`). */
  keepAlive: boolean;
  /** `[start, end)` byte ranges (flat pairs) of hop-by-hop header lines to cut when forwarding. */
  drop: number[];
  /** Offset just past the blank line ending the head. */
  bodyStart: number;
}

/** Lower-case ASCII of byte `b` (only letters change). */
function lower(b: number): number {
  return b >= 65 && b <= 90 ? b + 32 : b;
}

/** True when `buf[at..at+len)` equals the lower-case `name`, ignoring ASCII case (header names). */
export function nameIs(buf: Uint8Array, at: number, len: number, name: string): boolean {
  if (len !== name.length) return false;
  for (let i = 0; i < len; i++) if (lower(buf[at + i] as number) !== name.charCodeAt(i)) return false;
  return true;
}

/** True when `buf[from..to)`, trimmed of blanks, equals the lower-case `word`, ignoring ASCII case. */
function valueIs(buf: Uint8Array, from: number, to: number, word: string): boolean {
  let i = from;
  while (i < to && (buf[i] === 32 || buf[i] === 9)) i++;
  let j = to;
  while (j > i && (buf[j - 1] === 32 || buf[j - 1] === 9)) j--;
  return nameIs(buf, i, j - i, word);
}

/** True when the header name at `buf[at..at+len)` is hop-by-hop (`HOP_BY_HOP`), by length first. */
function isHopByHopName(buf: Uint8Array, at: number, len: number): boolean {
  switch (len) {
    case 2:
      return nameIs(buf, at, len, 'te');
    case 7:
      return nameIs(buf, at, len, 'trailer') || nameIs(buf, at, len, 'upgrade');
    case 10:
      return nameIs(buf, at, len, 'connection') || nameIs(buf, at, len, 'keep-alive');
    case 16:
      return nameIs(buf, at, len, 'proxy-connection');
    case 17:
      return nameIs(buf, at, len, 'transfer-encoding');
    case 18:
      return nameIs(buf, at, len, 'proxy-authenticate');
    case 19:
      return nameIs(buf, at, len, 'proxy-authorization');
    default:
      return false;
  }
}

/**
 * Scans the response head at the start of `buf` (the proxy's fast path); null when the head is not
 * complete yet. The result is written into `into` when given (no allocation per response). Anything
 * it does not call `clean` goes through `parseResponseHead`, which also validates what this scan
 * skips (header syntax beyond `name:`).
 * @throws Error on a malformed status line or a bad `Content-Length`.
 */
export function scanResponseHead(buf: Uint8Array, into?: ResponseScan): ResponseScan | null {
  const end = findHeadEnd(buf);
  if (end < 0) return null;
  // `HTTP/1.x NNN`: the same checks as parseResponseHead.
  if (
    end < 12 ||
    buf[0] !== 72 ||
    buf[1] !== 84 ||
    buf[2] !== 84 ||
    buf[3] !== 80 ||
    buf[4] !== 47 ||
    buf[5] !== 49 ||
    buf[6] !== 46 ||
    buf[8] !== 32 ||
    (end > 12 && buf[12] !== 32 && buf[12] !== 13)
  )
    return result(into, 0, -1, false, false, end + 4);
  const minor = buf[7] as number;
  const d0 = (buf[9] as number) - 48;
  const d1 = (buf[10] as number) - 48;
  const d2 = (buf[11] as number) - 48;
  if ((minor !== 48 && minor !== 49) || !(d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9))
    return result(into, 0, -1, false, false, end + 4);
  const drop = into ? into.drop : [];
  drop.length = 0;
  let keepAlive = true;
  let clean = minor === 49;
  let contentLength = -1;
  let at = buf.indexOf(10, 12) + 1; // first header line
  while (at > 0 && at < end + 2) {
    let eol = buf.indexOf(13, at);
    if (eol < 0 || eol > end) eol = end;
    let colon = at;
    while (colon < eol && buf[colon] !== 58) colon++;
    const len = colon - at;
    if (len === 0 || colon === eol) {
      clean = false; // malformed: parseResponseHead reports it
      break;
    }
    if (len === 14 && nameIs(buf, at, len, 'content-length')) {
      let i = colon + 1;
      while (i < eol && (buf[i] === 32 || buf[i] === 9)) i++;
      let j = eol;
      while (j > i && (buf[j - 1] === 32 || buf[j - 1] === 9)) j--;
      let n = 0;
      for (let k = i; k < j; k++) {
        const dg = (buf[k] as number) - 48;
        if (dg < 0 || dg > 9 || k - i > 15) throw new Error('bad content-length');
        n = n * 10 + dg;
      }
      if (j === i || (contentLength >= 0 && contentLength !== n)) throw new Error('bad content-length');
      contentLength = n;
    } else if (isHopByHopName(buf, at, len)) {
      if (len === 17)
        clean = false; // transfer-encoding: the body framing changes
      else if (len === 10 && nameIs(buf, at, len, 'connection')) {
        if (valueIs(buf, colon + 1, eol, 'close')) keepAlive = false;
        else if (!valueIs(buf, colon + 1, eol, 'keep-alive')) clean = false; // names other headers
      }
      drop.push(at, eol + 2);
    }
    at = eol + 2;
  }
  return result(into, d0 * 100 + d1 * 10 + d2, contentLength, clean, keepAlive, end + 4, drop);
}

/** Fills `into` (the caller's reused object) or a new scan result. */
function result(
  into: ResponseScan | undefined,
  status: number,
  contentLength: number,
  clean: boolean,
  keepAlive: boolean,
  bodyStart: number,
  drop: number[] = [],
): ResponseScan {
  if (!into) return { status, contentLength, clean, keepAlive, drop, bodyStart };
  into.status = status;
  into.contentLength = contentLength;
  into.clean = clean;
  into.keepAlive = keepAlive;
  if (into.drop !== drop) into.drop.length = 0;
  into.bodyStart = bodyStart;
  return into;
}

/** Body framing of `head` answering a request with `method` (RFC 9112 §6.3). */
export function bodyFraming(head: ResponseHead, method: string): BodyFraming {
  if (method === 'HEAD' || head.status === 204 || head.status === 304 || head.status < 200) return 'none';
  if (head.chunked) return 'chunked';
  if (head.contentLength >= 0) return head.contentLength === 0 ? 'none' : 'length';
  return 'close';
}

/**
 * Incremental chunked-body decoder. `push(bytes, onData)` feeds received bytes, calls `onData` with
 * each piece of payload (subarrays of `bytes`) and returns the offset just past the final chunk and
 * trailers once the body is complete, or -1 when more bytes are needed.
 * @throws Error on a malformed chunk size.
 */
export class ChunkedDecoder {
  private state: 'size' | 'data' | 'data-cr' | 'data-lf' | 'trailer' | 'done' = 'size';
  private line = '';
  private remaining = 0;

  /** True once the last chunk and trailers were seen. */
  get done(): boolean {
    return this.state === 'done';
  }

  push(bytes: Uint8Array, onData: (payload: Uint8Array) => void): number {
    let i = 0;
    const n = bytes.length;
    while (i < n) {
      switch (this.state) {
        case 'size':
        case 'trailer': {
          const lf = bytes.indexOf(10, i);
          const stop = lf < 0 ? n : lf;
          this.line += latin1.decode(bytes.subarray(i, stop));
          if (lf < 0) return -1;
          i = lf + 1;
          const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
          this.line = '';
          if (this.state === 'trailer') {
            if (line === '') {
              this.state = 'done';
              return i;
            }
            break;
          }
          const semi = line.indexOf(';');
          const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
          if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new Error(`malformed chunk size: ${hex.slice(0, 20)}`);
          this.remaining = Number.parseInt(hex, 16);
          this.state = this.remaining === 0 ? 'trailer' : 'data';
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, n - i);
          onData(bytes.subarray(i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'data-cr';
          break;
        }
        case 'data-cr':
          this.state = bytes[i] === 13 ? 'data-lf' : 'size';
          if (bytes[i] === 13) i++;
          break;
        case 'data-lf':
          if (bytes[i] === 10) i++;
          this.state = 'size';
          break;
        case 'done':
          return i;
      }
    }
    return this.state === 'done' ? i : -1;
  }
}

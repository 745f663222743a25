/**
 * The strict first steps of reading an HTTP/1.1 request (RFC 9112 §2–3), pure byte scans: where
 * the head ends (`requestHeadEnd`, refusing a bare LF at once instead of waiting for a CRLF that
 * never comes), and the request line — method token, request target and version. The target must
 * be origin-form (`/path?q`), absolute-form (`http://authority/path`, rewritten to origin-form with
 * its authority as the Host, §3.2.2) or `OPTIONS *`; any control byte, space, DEL, non-ASCII byte or
 * `#` in it is refused, as HAProxy 2.6 does by default (it lets DEL through; we do not). `CONNECT`
 * is refused with 405, as nginx answers it: a zone balancer is a reverse proxy and never opens a
 * tunnel (HAProxy 2.6 in HTTP mode forwards the CONNECT to a server; a 405 names the methods we do
 * take in `Allow`). Every refusal is a `BadRequestHead` the front end answers and closes on.
 * HAProxy 2.6's choices here were read off a running one (`bench/balancer/peers.ts` config): it
 * accepts a bare LF, merges identical duplicate Hosts, forwards a request without Host, and answers
 * 400 to an absolute-form target whose authority differs from Host, where we use the authority.
 */
import { latin1Of } from './bytes.ts';
import { TOKEN_CHAR } from './fields.ts';

/** A request the front end cannot take: it answers `status` (JSON `{error: code}`) and closes. */
export class BadRequestHead extends Error {
  /** Extra answer headers (`allow` on a 405). */
  readonly headers: [string, string][];
  constructor(
    readonly status: 400 | 405 | 411 | 413 | 431 | 505,
    message: string,
    readonly code = 'bad_request',
    headers: [string, string][] = [],
  ) {
    super(message);
    this.name = 'BadRequestHead';
    this.headers = headers;
  }
}

/** Largest request head accepted, bytes (Bun.serve and nginx default to about this much). */
export const MAX_REQUEST_HEAD_BYTES = 64 * 1024;

/** Methods a 405 names in `Allow` (RFC 9110 §9 and PATCH): every standard one but CONNECT. */
const ALLOW = 'GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, PATCH';

/**
 * Bytes of an authority (RFC 3986 §3.2: reg-name, IP literal, port) and so of a Host value:
 * unreserved, sub-delims, `%`, `:`, `[`, `]` — no `@` (userinfo), `/`, space or control byte.
 */
export const AUTHORITY_CHAR = new Uint8Array(256);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=%:[]")
  AUTHORITY_CHAR[ch.charCodeAt(0)] = 1;

/**
 * Offset of the `\r\n\r\n` ending the request head at the start of `buf`, or -1 when it is not
 * complete yet. One `indexOf` per line: every LF must follow a CR (RFC 9112 §2.2 lets a recipient
 * accept a bare LF; we refuse it, as the strict choice — some HAProxy versions accept it — so
 * that no two parsers in a chain can disagree about where a line ends). `from` resumes an earlier
 * scan of the same bytes that found no end (pass `scanResume` of their length): the bytes before
 * it were checked then, so a head arriving a byte at a time costs linear, not quadratic, work.
 * @throws BadRequestHead 400 on a bare LF or a CR not followed by LF at a line end, 431 when the
 *   head is longer than `MAX_REQUEST_HEAD_BYTES`.
 */
export function requestHeadEnd(buf: Uint8Array, from = 0): number {
  const n = buf.byteLength;
  let lf = buf.indexOf(10, from);
  while (lf >= 0) {
    if (lf === 0 || buf[lf - 1] !== 13) throw new BadRequestHead(400, 'bare LF in the request head');
    if (lf + 1 >= n) break;
    if (buf[lf + 1] === 13) {
      if (lf + 2 >= n) break;
      if (buf[lf + 2] !== 10) throw new BadRequestHead(400, 'bare CR in the request head');
      if (lf - 1 > MAX_REQUEST_HEAD_BYTES)
        throw new BadRequestHead(431, 'request head too large', 'head_too_large');
      return lf - 1;
    }
    lf = buf.indexOf(10, lf + 1);
  }
  if (n > MAX_REQUEST_HEAD_BYTES) throw new BadRequestHead(431, 'request head too large', 'head_too_large');
  return -1;
}

/** Where to resume `requestHeadEnd` on a buffer whose first `length` bytes held no head end. */
export function scanResume(length: number): number {
  return length > 3 ? length - 3 : 0;
}

/** The parsed request line. */
export interface RequestLine {
  method: string;
  /** Origin-form path and query (`/a?b`), absolute-form rewritten; `*` for `OPTIONS *`. */
  target: string;
  /** The absolute-form target's authority (the Host to send), '' for origin-form. */
  authority: string;
  http11: boolean;
}

const bad = (what: string) => new BadRequestHead(400, what);

/**
 * Parses the request line `buf[0..eol)` (eol: its CR, so the line holds no CR or LF) into `into`.
 * @throws BadRequestHead 400 on a malformed line or target, 405 on CONNECT, 505 on a version other
 *   than HTTP/1.0 and HTTP/1.1.
 */
export function parseRequestLine(buf: Uint8Array, eol: number, into: RequestLine): void {
  const sp1 = buf.indexOf(32);
  const sp2 = sp1 < 0 ? -1 : buf.indexOf(32, sp1 + 1);
  if (sp1 <= 0 || sp2 <= sp1 + 1 || sp2 > eol) throw bad('malformed request line');
  for (let i = 0; i < sp1; i++) if (TOKEN_CHAR[buf[i] as number] !== 1) throw bad('malformed request line');
  into.http11 = version(buf, sp2 + 1, eol);
  // Target: visible ASCII only, no `#` (a fragment is never sent, RFC 9112 §3.2).
  for (let i = sp1 + 1; i < sp2; i++) {
    const b = buf[i] as number;
    if (b <= 32 || b >= 127 || b === 35) throw bad('invalid byte in the request target');
  }
  into.method = methodOf(buf, sp1);
  if (into.method === 'CONNECT')
    throw new BadRequestHead(405, 'CONNECT is not supported: this is a reverse proxy', 'method_not_allowed', [
      ['allow', ALLOW],
    ]);
  const t0 = buf[sp1 + 1];
  into.authority = '';
  if (t0 === 47) into.target = latin1Of(buf, sp1 + 1, sp2);
  else if (t0 === 42 && sp2 === sp1 + 2 && into.method === 'OPTIONS') into.target = '*';
  else absoluteForm(buf, sp1 + 1, sp2, into);
}

/** HTTP/1.1 → true, HTTP/1.0 → false, for `buf[v..eol)`. @throws BadRequestHead 400 / 505. */
function version(buf: Uint8Array, v: number, eol: number): boolean {
  const vlen = eol - v;
  const isHttp = vlen >= 5 && buf[v] === 72 && buf[v + 1] === 84 && buf[v + 2] === 84 && buf[v + 3] === 80;
  if (!isHttp || buf[v + 4] !== 47) throw bad('malformed request line');
  const minor = buf[v + 7];
  if (vlen === 8 && buf[v + 5] === 49 && buf[v + 6] === 46 && (minor === 48 || minor === 49))
    return minor === 49;
  const sp = buf.indexOf(32, v);
  if (sp >= 0 && sp < eol) throw bad('malformed request line');
  throw new BadRequestHead(
    505,
    `unsupported version ${latin1Of(buf, v, Math.min(eol, v + 20))}`,
    'version_not_supported',
  );
}

/** The method as a string: the common ones without decoding. */
function methodOf(buf: Uint8Array, len: number): string {
  if (len === 3 && buf[0] === 71 && buf[1] === 69 && buf[2] === 84) return 'GET';
  if (len === 4 && buf[0] === 72 && buf[1] === 69 && buf[2] === 65 && buf[3] === 68) return 'HEAD';
  return latin1Of(buf, 0, len);
}

/**
 * `http://authority/path?q` (scheme case-insensitive, `https` too) in `buf[from..to)`: `into.target`
 * gets `/path?q` (`/` when the path is empty), `into.authority` the authority.
 * @throws BadRequestHead 400 for another form or scheme, userinfo (RFC 9110 §4.2.4) or an empty host.
 */
function absoluteForm(buf: Uint8Array, from: number, to: number, into: RequestLine): void {
  const lower = (i: number) => (buf[i] as number) | 0x20;
  let at = from;
  if (lower(at) !== 104 || lower(at + 1) !== 116 || lower(at + 2) !== 116 || lower(at + 3) !== 112)
    throw bad('request target is neither origin-form nor absolute-form');
  at += 4;
  if (lower(at) === 115) at++;
  if (buf[at] !== 58 || buf[at + 1] !== 47 || buf[at + 2] !== 47)
    throw bad('request target is neither origin-form nor absolute-form');
  at += 3;
  const hostStart = at;
  while (at < to && buf[at] !== 47 && buf[at] !== 63) {
    if (AUTHORITY_CHAR[buf[at] as number] !== 1) throw bad('invalid authority in the request target');
    at++;
  }
  if (at === hostStart || buf[hostStart] === 58) throw bad('empty host in the request target');
  into.authority = latin1Of(buf, hostStart, at);
  const rest = latin1Of(buf, at, to);
  into.target = rest === '' ? '/' : rest.charCodeAt(0) === 63 ? `/${rest}` : rest;
}

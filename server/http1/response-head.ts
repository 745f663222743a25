/**
 * HTTP/1.1 response heads (RFC 9112 §4–6), strict and pure. `scanResponseHead` is the one validator
 * every upstream answer passes, on the raw pass-through path too: it reads the status line and
 * every field line straight from the bytes (no strings), refuses anything malformed or ambiguous
 * (`BadResponse`: the proxy answers 502 and destroys the connection) and says how the body is
 * framed and whether the head may be forwarded as its own bytes; `bodyFraming` applies RFC 9112
 * §6.3 (`response-text.ts` builds the strings for the paths that re-serialise an answer). Where we deviate from the RFC we do what HAProxy does by default, and say
 * so beside the rule.
 */
import {
  CLOSE,
  checkFieldLine,
  connectionTokens,
  decimalValue,
  fieldLineError,
  findHeadEnd,
  KEEP_ALIVE,
  nameIs,
  OTHER,
  trimmed,
  VALUE_CHAR,
} from './fields.ts';

/** Largest response head accepted, bytes, counted over the whole head whether it came at once or not. */
export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;

/** Most field lines in one response head (HAProxy's `tune.http.maxhdr` is 101). */
export const MAX_RESPONSE_FIELDS = 100;

/** An upstream answer that breaks HTTP/1.1 framing or syntax; the proxy answers 502 for it. */
export class BadResponse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadResponse';
  }
}

/** A parsed response head. `contentLength` is -1 when absent or overridden by chunked. */
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

/**
 * What the proxy's fast path needs from a response head, read straight from the bytes: status,
 * framing and whether the head can go to the client unchanged.
 */
export interface ResponseScan {
  status: number;
  /** `Content-Length`, or -1 when absent or when `Transfer-Encoding` overrides it. */
  contentLength: number;
  /** `Transfer-Encoding: chunked` frames the body. */
  chunked: boolean;
  /**
   * HTTP/1.1, a `Connection` (if any) of just `keep-alive` or `close`, and either one valid
   * `Content-Length` or none, or `Transfer-Encoding: chunked` without `Content-Length`: the head may
   * be forwarded as its bytes, less the hop-by-hop lines in `drop`.
   */
  clean: boolean;
  /** The upstream keeps the connection open afterwards. */
  keepAlive: boolean;
  /** `[start, end)` byte ranges (flat pairs) of hop-by-hop lines to cut when forwarding (not TE). */
  drop: number[];
  /** Offset just past the blank line ending the head. */
  bodyStart: number;
}

/** A new, empty scan result to pass to `scanResponseHead` again and again. */
export function newResponseScan(): ResponseScan {
  return {
    status: 0,
    contentLength: -1,
    chunked: false,
    clean: false,
    keepAlive: true,
    drop: [],
    bodyStart: 0,
  };
}

const span = [0, 0];

/**
 * Checks the response head at the start of `buf` and writes what it found into `into` (a new
 * result when omitted); null when the head is not complete yet (and still under the size limit).
 * `from` is where to resume looking for the blank line (bytes before it were searched already).
 * @throws BadResponse on a malformed status line or field line, a head over
 * `MAX_RESPONSE_HEAD_BYTES` or `MAX_RESPONSE_FIELDS`, or ambiguous framing.
 */
export function scanResponseHead(buf: Uint8Array, into?: ResponseScan, from = 0): ResponseScan | null {
  // Bytes came in pieces: look for the blank line first (from where the last look stopped), so a
  // head dripping in is not re-validated on every piece. In one piece: validate as we go.
  if (from > 0 && findHeadEnd(buf, from) < 0) return incomplete(buf);
  const sl = buf.indexOf(13);
  // Bare LF line ends: RFC 9112 §2.2 lets a recipient accept them and HAProxy does; we refuse them
  // at once (502) rather than wait for a CRLF that never comes.
  const lf = buf.indexOf(10);
  if (lf >= 0 && (sl < 0 || lf < sl)) throw new BadResponse('bare LF in the response head');
  if (sl < 0 || sl + 1 >= buf.byteLength) return incomplete(buf);
  const status = statusLine(buf, sl);
  const out = into ?? newResponseScan();
  const http11 = buf[7] === 49;
  const drop = out.drop;
  drop.length = 0;
  let contentLength = -1;
  let te = false;
  let close = false;
  let keepAliveToken = false;
  let named = false;
  let fields = 0;
  let at = sl + 2;
  for (;;) {
    if (at + 1 >= buf.byteLength) return incomplete(buf);
    if (buf[at] === 13) {
      if (buf[at + 1] !== 10) throw new BadResponse('bare CR in the response head');
      break; // the blank line
    }
    const eol = buf.indexOf(13, at);
    if (eol < 0 && buf.indexOf(10, at) >= 0) throw new BadResponse('bare LF in the response head');
    if (eol < 0 || eol + 1 >= buf.byteLength) return incomplete(buf);
    if (buf[eol + 1] !== 10) throw new BadResponse('bare CR in the response head');
    const colon = checkFieldLine(buf, at, eol);
    if (colon < 0) throw new BadResponse(fieldLineError(colon));
    if (++fields > MAX_RESPONSE_FIELDS) throw new BadResponse('too many response header fields');
    const len = colon - at;
    if (len === 14 && nameIs(buf, at, len, 'content-length')) {
      // One decimal value only: `+5`, `0x5`, empty and lists are refused; so is a repeated line even
      // with the same value (RFC 9110 §8.6 allows refusing; HAProxy would merge equal values).
      if (contentLength >= 0) throw new BadResponse('more than one Content-Length');
      contentLength = decimal(buf, colon + 1, eol);
    } else if (len === 17 && nameIs(buf, at, len, 'transfer-encoding')) {
      te = transferCoding(buf, colon + 1, eol, te);
    } else if (len === 10 && nameIs(buf, at, len, 'connection')) {
      const c = connectionTokens(buf, colon + 1, eol);
      if (c & CLOSE) close = true;
      if (c & KEEP_ALIVE) keepAliveToken = true;
      if (c & OTHER) named = true;
      drop.push(at, eol + 2);
    } else if (isHopByHopName(buf, at, len)) drop.push(at, eol + 2);
    at = eol + 2;
    if (at > MAX_RESPONSE_HEAD_BYTES) throw new BadResponse('response head over 64 KiB');
  }
  if (at + 2 > MAX_RESPONSE_HEAD_BYTES) throw new BadResponse('response head over 64 KiB');
  // RFC 9112 §6.1: Transfer-Encoding overrides Content-Length. As HAProxy, the answer is framed by
  // chunked, Content-Length is dropped and the connection is not reused after it. An HTTP/1.0
  // answer with Transfer-Encoding is faulty framing: not reused either (§6.1).
  const both = te && contentLength >= 0;
  out.status = status;
  out.chunked = te;
  out.contentLength = te ? -1 : contentLength;
  out.keepAlive = !close && (http11 || keepAliveToken) && !both && !(te && !http11);
  out.clean = http11 && !named && !both && !(te && (status < 200 || status === 204));
  out.bodyStart = at + 2;
  return out;
}

/** Not complete yet: null, unless the bytes already pass the head limit. @throws BadResponse */
function incomplete(buf: Uint8Array): null {
  if (buf.byteLength > MAX_RESPONSE_HEAD_BYTES) throw new BadResponse('response head over 64 KiB');
  return null;
}

/** Checks `HTTP/1.x NNN reason\r\n` and returns the status (100–999). @throws BadResponse */
function statusLine(buf: Uint8Array, eol: number): number {
  const d0 = (buf[9] as number) - 48;
  const d1 = (buf[10] as number) - 48;
  const d2 = (buf[11] as number) - 48;
  if (
    eol < 12 ||
    buf[0] !== 72 ||
    buf[1] !== 84 ||
    buf[2] !== 84 ||
    buf[3] !== 80 ||
    buf[4] !== 47 ||
    buf[5] !== 49 ||
    buf[6] !== 46 ||
    (buf[7] !== 48 && buf[7] !== 49) ||
    buf[8] !== 32 ||
    !(d0 >= 1 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) ||
    (buf[12] !== 32 && buf[12] !== 13)
  )
    throw new BadResponse('malformed status line');
  // RFC 9112 §4 wants SP before an empty reason; as HAProxy, `HTTP/1.1 200\r\n` is accepted too.
  if (buf[eol + 1] !== 10) throw new BadResponse('bare CR in the status line');
  for (let i = 13; i < eol; i++)
    if (VALUE_CHAR[buf[i] as number] !== 1) throw new BadResponse('control byte in the reason phrase');
  return d0 * 100 + d1 * 10 + d2;
}

/** The decimal `Content-Length` in `buf[from..to)` (OWS trimmed). @throws BadResponse */
function decimal(buf: Uint8Array, from: number, to: number): number {
  const n = decimalValue(buf, from, to);
  if (n < 0) throw new BadResponse('bad Content-Length');
  return n;
}

/**
 * Checks a `Transfer-Encoding` value: `chunked`, once, as the only coding. RFC 9112 §6.3 would read
 * an answer whose final coding is not chunked until close; HAProxy answers 502, as we do. Other
 * codings before chunked (`gzip, chunked`) are refused too: the re-framing path could not forward
 * them faithfully. Returns true (chunked seen). @throws BadResponse
 */
function transferCoding(buf: Uint8Array, from: number, to: number, seen: boolean): boolean {
  let chunked = seen;
  let at = from;
  while (at <= to) {
    let comma = at;
    while (comma < to && buf[comma] !== 44) comma++;
    trimmed(buf, at, comma, span);
    const len = (span[1] as number) - (span[0] as number);
    if (len > 0) {
      if (!nameIs(buf, span[0] as number, len, 'chunked'))
        throw new BadResponse('unsupported transfer coding (only chunked is relayed)');
      if (chunked) throw new BadResponse('chunked applied more than once');
      chunked = true;
    }
    at = comma + 1;
  }
  if (!chunked) throw new BadResponse('empty Transfer-Encoding');
  return true;
}

/** True when the header name at `buf[at..at+len)` is hop-by-hop but not framing (TE, Connection). */
function isHopByHopName(buf: Uint8Array, at: number, len: number): boolean {
  switch (len) {
    case 2:
      return nameIs(buf, at, len, 'te');
    case 7:
      return nameIs(buf, at, len, 'trailer') || nameIs(buf, at, len, 'upgrade');
    case 10:
      return nameIs(buf, at, len, 'keep-alive');
    case 16:
      return nameIs(buf, at, len, 'proxy-connection');
    case 18:
      return nameIs(buf, at, len, 'proxy-authenticate');
    case 19:
      return nameIs(buf, at, len, 'proxy-authorization');
    default:
      return false;
  }
}

/** Body framing of a head answering a request with `method` (RFC 9112 §6.3). */
export function bodyFraming(
  head: Pick<ResponseHead, 'status' | 'chunked' | 'contentLength'>,
  method: string,
): BodyFraming {
  if (method === 'HEAD' || head.status === 204 || head.status === 304 || head.status < 200) return 'none';
  if (head.chunked) return 'chunked';
  if (head.contentLength >= 0) return head.contentLength === 0 ? 'none' : 'length';
  return 'close';
}

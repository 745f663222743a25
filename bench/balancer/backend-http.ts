/**
 * The benchmark backend's HTTP/1.1, pure: where the next request in a connection's bytes ends
 * (`nextRequest`: Content-Length or chunked bodies, pipelining, `Connection: close`, HTTP/1.0) and
 * the fixed answer each path gets (`answerFor`): `/health_check` in the app's shape, `/64k` a 64 KiB
 * body (`/64k-keep-alive` the same with `Connection: keep-alive` and `Keep-Alive` lines, as Node's
 * http server sends them), `/1m` a 1 MiB body, `/chunked` 2 KiB in two chunks, any POST a 50-byte JSON answer, anything else 50 bytes of
 * text. Answers are built once; only `/__stats` (the backend's own counters) is made per call.
 */

/** One framed request: enough to answer it, and the offset just past it (body included). */
export interface BackendRequest {
  method: string;
  path: string;
  /** The client asked to close after this answer (`Connection: close`, or HTTP/1.0 without keep-alive). */
  close: boolean;
  end: number;
}

/** Largest request head the backend reads, bytes. */
const MAX_HEAD = 64 * 1024;

/**
 * The first complete request of `buf`, or null while incomplete.
 * @throws Error on a malformed request or a head over 64 KiB (the backend then closes the connection).
 */
export function nextRequest(buf: Buffer): BackendRequest | null {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) {
    if (buf.byteLength > MAX_HEAD) throw new Error('request head too large');
    return null;
  }
  const lines = buf.toString('latin1', 0, headEnd).split('\r\n');
  const [method, path, version] = (lines[0] ?? '').split(' ');
  if (!method || !path || !version?.startsWith('HTTP/1.')) throw new Error(`bad request line: ${lines[0]}`);
  let length = 0;
  let chunked = false;
  let close = version === 'HTTP/1.0';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const c = line.indexOf(':');
    if (c <= 0) throw new Error(`bad header line: ${line}`);
    const name = line.slice(0, c).toLowerCase();
    const value = line
      .slice(c + 1)
      .trim()
      .toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.endsWith('chunked');
    else if (name === 'connection')
      close = value.includes('close') || (close && !value.includes('keep-alive'));
  }
  if (!Number.isSafeInteger(length) || length < 0) throw new Error('bad content-length');
  const bodyStart = headEnd + 4;
  const end = chunked
    ? chunkedEnd(buf, bodyStart)
    : bodyStart + length <= buf.byteLength
      ? bodyStart + length
      : -1;
  return end < 0 ? null : { method, path, close, end };
}

/** Offset just past a chunked body starting at `at` (trailers included), -1 while incomplete. */
function chunkedEnd(buf: Buffer, at: number): number {
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return -1;
    const size = Number.parseInt(buf.toString('latin1', at, eol).split(';')[0] as string, 16);
    if (!Number.isSafeInteger(size) || size < 0) throw new Error('bad chunk size');
    at = eol + 2;
    if (size === 0) break;
    at += size + 2;
    if (at > buf.byteLength) return -1;
  }
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return -1;
    if (eol === at) return at + 2;
    at = eol + 2;
  }
}

const head = (type: string, extra: string) => `HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\n${extra}`;

/**
 * `head + body` as one buffer, with a Content-Length, and its `Connection: close` twin. `keepAlive`:
 * the first also says `connection: keep-alive` and `keep-alive: timeout=5`, as Node's http server does.
 */
function fixed(type: string, body: string, keepAlive = false): [Buffer, Buffer] {
  const len = `content-length: ${Buffer.byteLength(body)}\r\n`;
  const ka = keepAlive ? 'connection: keep-alive\r\nkeep-alive: timeout=5\r\n' : '';
  return [
    Buffer.from(`${head(type, len)}${ka}\r\n${body}`, 'latin1'),
    Buffer.from(`${head(type, len)}connection: close\r\n\r\n${body}`, 'latin1'),
  ];
}

/** 50 bytes of text, the small-GET answer. */
export const SMALL_BODY = 'hello from the zonescale benchmark backend: 50 B\n\n';
const SMALL = fixed('text/plain', SMALL_BODY);
const JSON_50 = fixed('application/json', '{"ok":true,"note":"posted to the bench backend!"}\n');
const HEALTH = fixed('application/json', JSON.stringify({ status: 'ok', cpu: 0, inFlight: 0 }));
const LARGE = fixed('application/octet-stream', 'x'.repeat(64 * 1024));
const LARGE_KEEP_ALIVE = fixed('application/octet-stream', 'x'.repeat(64 * 1024), true);
const HUGE = fixed('application/octet-stream', 'x'.repeat(1024 * 1024));
const kib = 'y'.repeat(1024);
const chunkedBody = `400\r\n${kib}\r\n400\r\n${kib}\r\n0\r\n\r\n`;
const CHUNKED: [Buffer, Buffer] = [
  Buffer.from(`${head('text/plain', 'transfer-encoding: chunked\r\n')}\r\n${chunkedBody}`, 'latin1'),
  Buffer.from(
    `${head('text/plain', 'transfer-encoding: chunked\r\n')}connection: close\r\n\r\n${chunkedBody}`,
    'latin1',
  ),
];

/** The answer bytes for request `r`; `stats` makes the body of `GET /__stats`. */
export function answerFor(r: BackendRequest, stats: () => string): Buffer {
  const i = r.close ? 1 : 0;
  if (r.method === 'POST') return JSON_50[i];
  switch (r.path) {
    case '/health_check':
      return HEALTH[i];
    case '/64k':
      return LARGE[i];
    case '/64k-keep-alive':
      return LARGE_KEEP_ALIVE[i];
    case '/1m':
      return HUGE[i];
    case '/chunked':
      return CHUNKED[i];
    case '/__stats':
      return fixed('application/json', stats())[i];
    default:
      return SMALL[i];
  }
}

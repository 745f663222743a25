/**
 * Writes an exchange's request onto its connection: the head (the caller's raw bytes, or built from
 * method, target and header lines), then the body — buffered bytes at once (a small body in the
 * same write as its head), or a stream pumped as the socket drains, chunk-framed or, with a known
 * `contentLength`, as it is. While the pump waits for the client's next bytes the try's deadline is
 * off; it runs while the pump waits for the upstream to drain, and from the last byte written on
 * (issue 10, defect 1). The exchange is told how the request ended (`requestSent`/`requestFailed`).
 */
import type { Conn } from './connection.ts';
import type { Exchange } from './exchange.ts';

/** Request bodies up to this size (bytes) are written together with their head. */
const SMALL_BODY_BYTES = 16 * 1024;

/** Starts writing `ex`'s request on `c`; a buffered request is written (queued) before it returns. */
export function writeRequest(c: Conn, ex: Exchange): void {
  const req = ex.req;
  if (req.rawRequest) {
    c.write(req.rawRequest);
    ex.requestSent();
    return;
  }
  const b = req.body;
  const length = req.contentLength ?? -1;
  let head: Uint8Array;
  if (req.rawHead) head = req.rawHead;
  else {
    const start = req.hasHost
      ? `${req.method} ${req.target} HTTP/1.1\r\n${req.head}`
      : `${req.method} ${req.target} HTTP/1.1\r\nhost: ${c.pool.host}\r\n${req.head}`;
    let framing = '';
    if (b instanceof Uint8Array) framing = `content-length: ${b.byteLength}\r\n`;
    else if (b) framing = length >= 0 ? `content-length: ${length}\r\n` : 'transfer-encoding: chunked\r\n';
    head = Buffer.from(`${start}${framing}\r\n`, 'latin1');
  }
  if (b instanceof Uint8Array) {
    if (b.byteLength <= SMALL_BODY_BYTES) c.write(concat(head, b));
    else {
      c.write(head);
      c.write(b);
    }
  } else c.write(head);
  if (b && !(b instanceof Uint8Array)) void pumpBody(c, ex, b, length);
  else ex.requestSent();
}

/** Sends a stream body on `c` as it comes; tells `ex` the outcome. */
async function pumpBody(
  c: Conn,
  ex: Exchange,
  body: ReadableStream<Uint8Array>,
  length: number,
): Promise<void> {
  const reader = body.getReader();
  ex.bodyReader = reader;
  const over = () => ex.finished || ex.conn !== c || c.closed;
  let sent = 0;
  try {
    for (;;) {
      ex.waitingForClient();
      const { done, value } = await reader.read();
      if (over()) return;
      if (done) break;
      if (value.byteLength === 0) continue;
      sent += value.byteLength;
      if (length >= 0) {
        if (sent > length) throw new Error('request body longer than its Content-Length');
        c.write(value);
      } else c.write(chunk(value));
      const drained = c.whenDrained();
      if (drained) {
        ex.waitingForUpstream();
        await drained;
        if (over()) return;
      }
    }
    if (length >= 0 && sent !== length) throw new Error('request body shorter than its Content-Length');
    if (length < 0) c.write(LAST_CHUNK);
    ex.requestSent();
  } catch (err) {
    if (!over()) ex.requestFailed(err);
  }
}

const LAST_CHUNK = new Uint8Array([48, 13, 10, 13, 10]);

/** `value` framed as one chunk, in one buffer (one write instead of three). */
function chunk(value: Uint8Array): Uint8Array {
  const size = `${value.byteLength.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(size.length + value.byteLength + 2);
  out.write(size, 0, 'latin1');
  out.set(value, size.length);
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}

/** `a` then `b` in one new buffer. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

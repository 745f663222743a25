/**
 * Serialises answers for the raw front end: the status line and header lines of a `ForwardAnswer`,
 * its framing (`content-length` for bytes, chunked for a stream to an HTTP/1.1 client, close for
 * HTTP/1.0), the `connection` line the client's keep-alive state asks for, chunk frames, and a raw
 * upstream answer passed through with only a `connection` line added. Pure byte work, no I/O.
 */

import { STATUS_CODES } from 'node:http';
import { copyBytes } from '../bytes.ts';
import { detach, type RawRelay } from '../client/index.ts';
import { findHeadEnd } from '../fields.ts';
import type { ForwardAnswer } from './handler.ts';

/** Answers up to this size (bytes) go out as one buffer, head and body together. */
export const SMALL_RESPONSE_BYTES = 64 * 1024;

/** True for a status that never has a body (1xx, 204, 304; RFC 9110 §6.4.1). */
export function noBody(status: number): boolean {
  return status === 204 || status === 304 || status < 200;
}

/** `HTTP/1.1 <status> <reason>\r\n`. */
export function statusLine(a: ForwardAnswer): string {
  return `HTTP/1.1 ${a.status} ${a.statusText || STATUS_CODES[a.status] || ''}\r\n`;
}

/** `name: value\r\n` for each header. */
export function headerLines(headers: readonly [string, string][]): string {
  let out = '';
  for (const [k, v] of headers) out += `${k}: ${v}\r\n`;
  return out;
}

/** The `connection` line (or none) and the blank line ending a head. */
export function connectionLine(http11: boolean, keepAlive: boolean): string {
  if (!keepAlive) return 'connection: close\r\n\r\n';
  return http11 ? '\r\n' : 'connection: keep-alive\r\n\r\n';
}

/**
 * Whether an answer is a server-sent event stream (`Content-Type: text/event-stream`; the media
 * type compared without case, RFC 9110 §8.3.1). Such a stream stays open as long as its page does:
 * its idle timeout is turned off here, and the forwarder counts it as a request in flight only
 * until its head arrives, so an open dashboard or app page is not load (`GET /pools`,
 * least-connections).
 */
export function isEventStream(headers: readonly [string, string][]): boolean {
  for (const [name, value] of headers)
    if (name.length === 12 && name.toLowerCase() === 'content-type')
      return value.trimStart().toLowerCase().startsWith('text/event-stream');
  return false;
}

/**
 * A whole answer whose body is bytes or none, as one or two buffers (head, body), with
 * `content-length` framing; a stream body is not written (callers cancel it).
 */
export function replyBytes(
  a: ForwardAnswer,
  http11: boolean,
  method: string,
  keepAlive: boolean,
): Uint8Array[] {
  const bodiless = noBody(a.status) || method === 'HEAD';
  const body = a.body instanceof Uint8Array && !bodiless ? a.body : null;
  let head = statusLine(a) + headerLines(a.headers);
  if (!bodiless) head += `content-length: ${body ? body.byteLength : 0}\r\n`;
  head += connectionLine(http11, keepAlive);
  const headLen = head.length; // latin1: one byte per char
  if (body && body.byteLength <= SMALL_RESPONSE_BYTES) {
    const out = Buffer.allocUnsafe(headLen + body.byteLength);
    out.write(head, 0, 'latin1');
    out.set(body, headLen);
    return [out];
  }
  const h = Buffer.from(head, 'latin1');
  return body ? [h, body] : [h];
}

/**
 * The head of a streamed answer: with its `content-length` when the upstream framed it so, else
 * chunked to an HTTP/1.1 client (re-framed, or as the upstream framed it: `framed`) and
 * close-delimited to HTTP/1.0.
 */
export function streamHead(a: ForwardAnswer, http11: boolean, keepAlive: boolean): Uint8Array {
  let head = statusLine(a) + headerLines(a.headers);
  if (a.contentLength !== undefined && a.contentLength >= 0) head += `content-length: ${a.contentLength}\r\n`;
  else if (http11) head += 'transfer-encoding: chunked\r\n';
  return Buffer.from(head + connectionLine(http11, keepAlive), 'latin1');
}

/** `value` as one chunk of a chunked body (size line, bytes, CRLF), in one buffer. */
export function chunkFrame(value: Uint8Array): Uint8Array {
  const size = `${value.byteLength.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(size.length + value.byteLength + 2);
  out.write(size, 0, 'latin1');
  out.set(value, size.length);
  out[size.length + value.byteLength] = 13;
  out[size.length + value.byteLength + 1] = 10;
  return out;
}

/** The last chunk of a chunked body. */
export const LAST_CHUNK: Uint8Array = Buffer.from('0\r\n\r\n', 'latin1');

const CLOSE_LINE = Buffer.from('connection: close\r\n', 'latin1');
const KEEP_ALIVE_LINE = Buffer.from('connection: keep-alive\r\n', 'latin1');

/**
 * A raw upstream answer (clean, `content-length`-framed, hop-by-hop lines already cut: see
 * `UpstreamResponse.raw`) for a client whose connection state differs from HTTP/1.1 keep-alive:
 * the same bytes with `connection: close` (or `keep-alive` for an HTTP/1.0 client that keeps it)
 * before the blank line. One copy; no header is parsed. Null when the head end is not found.
 */
export function rawWithConnection(raw: Uint8Array, keepAlive: boolean): Uint8Array | null {
  const end = findHeadEnd(raw);
  if (end < 0) return null;
  const line = keepAlive ? KEEP_ALIVE_LINE : CLOSE_LINE;
  const cut = end + 2; // after the last header line's CRLF
  const out = Buffer.allocUnsafe(raw.byteLength + line.byteLength);
  copyBytes(raw, 0, cut, out, 0);
  out.set(line, cut);
  copyBytes(raw, cut, raw.byteLength, out, cut + line.byteLength);
  return out;
}

/**
 * Writes the forwarder's answer `a` to request `h`: a `raw` one as the upstream sent it (only a
 * `connection` line added when the client does not keep HTTP/1.1 keep-alive; its `rawTail` body
 * after it by offset; the rest of a relayed one as it arrives), others through `writeAnswer`; then
 * `finish(keep)`.
 */
export function writeForwarded(sink: AnswerSink, h: AnswerTo, a: ForwardAnswer, keep: boolean): void {
  if (a.raw) {
    const out = h.http11 && keep ? a.raw : rawWithConnection(a.raw, keep);
    if (out) {
      if (a.rawTail) sendHeadAndTail(sink, out, a.rawTail, a.rawTailFrom ?? 0, a.rawTailTo ?? 0);
      else sink.send(out, out === a.raw);
      if (a.relay) sink.relayFrom(a.relay, keep);
      else sink.finish(keep);
      return;
    }
    if (a.relay) {
      // A scanned head always ends; were it not found, the partial answer could not be kept.
      a.relay.cancel();
      sink.finish(false);
      return;
    }
  }
  writeAnswer(sink, h, a.raw ? detach(a) : a, keep);
}

/**
 * Sends the head `head` (its own buffer) and the body `tail[from..to)`: as one range of `tail` when
 * the head fits in the bytes before `from`, the upstream's own head, free to overwrite
 * (`UpstreamResponse.rawTail`) — one write instead of two.
 */
function sendHeadAndTail(
  sink: AnswerSink,
  head: Uint8Array,
  tail: Uint8Array,
  from: number,
  to: number,
): void {
  const at = from - head.byteLength;
  if (at < 0) {
    sink.send(head, false);
    sink.sendRange(tail, from, to);
    return;
  }
  copyBytes(head, 0, head.byteLength, tail, at);
  sink.sendRange(tail, at, to);
}

/** The connection an answer is written to (`Connection`). */
export interface AnswerSink {
  readonly closed: boolean;
  /** The response body being streamed, cancelled when the client goes away. */
  reader: ReadableStreamDefaultReader<Uint8Array> | null;
  send(data: Uint8Array, copy: boolean): boolean;
  /** Writes `data[from..to)`, a buffer that will be reused (`OutQueue.writeRange`). */
  sendRange(data: Uint8Array, from: number, to: number): boolean;
  /**
   * Takes the rest of a relayed answer, whose start was sent: its body pieces are written as they
   * arrive (reading the upstream paused while they wait to be written), then `finish(keepAlive)`,
   * or, when the body broke, `finish(false)`.
   */
  relayFrom(relay: RawRelay, keepAlive: boolean): void;
  /** Resolves once unsent bytes are written; null when there are none. */
  drained(): Promise<void> | null;
  /** Restarts the idle deadline, or turns it off (SSE). */
  idle(on: boolean): void;
  /** The answer is over: `keepAlive` says whether the connection goes on. */
  finish(keepAlive: boolean): void;
}

/** The request an answer is for: its version and method. */
export interface AnswerTo {
  http11: boolean;
  method: string;
}

/**
 * Writes a kept (not `raw`) answer to `sink`: whole when its body is bytes or none, else streamed —
 * chunked for HTTP/1.1, until close for HTTP/1.0 — waiting for each chunk to drain; then `finish`.
 */
export function writeAnswer(sink: AnswerSink, h: AnswerTo, a: ForwardAnswer, keep: boolean): void {
  if (a.body instanceof ReadableStream && h.method !== 'HEAD' && !noBody(a.status)) {
    void streamAnswer(sink, h, a, keep);
    return;
  }
  if (a.body instanceof ReadableStream) a.body.cancel().catch(() => {});
  for (const part of replyBytes(a, h.http11, h.method, keep)) sink.send(part, false);
  sink.finish(keep);
}

async function streamAnswer(sink: AnswerSink, h: AnswerTo, a: ForwardAnswer, keep: boolean): Promise<void> {
  const keepAlive = keep && h.http11;
  const sse = isEventStream(a.headers);
  // A body of known length goes on as its bytes; a chunked one framed as received (`framed`).
  const asIs = a.framed === true || (a.contentLength !== undefined && a.contentLength >= 0);
  sink.send(streamHead(a, h.http11, keepAlive), false);
  const reader = (a.body as ReadableStream<Uint8Array>).getReader();
  sink.reader = reader;
  if (sse) sink.idle(false);
  let ok = true;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (sink.closed) return;
      if (done) break;
      if (value.byteLength === 0) continue;
      sink.send(h.http11 && !asIs ? chunkFrame(value) : value, false);
      if (!sse) sink.idle(true); // body traffic is activity
      const wait = sink.drained();
      if (wait) await wait;
    }
    if (h.http11 && !asIs) sink.send(LAST_CHUNK, false);
  } catch {
    ok = false; // the upstream failed mid-body: the client sees the connection close
  } finally {
    sink.reader = null;
  }
  if (sink.closed) return;
  if (sse) sink.idle(true);
  sink.finish(ok && keepAlive);
}

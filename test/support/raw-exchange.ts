/**
 * Raw-socket HTTP/1.1 helpers for protocol suites: send exact bytes on one TCP connection, read
 * until the peer closes, a predicate holds or a deadline passes (`rawExchange`), and split what came
 * back into answers by their own framing (`parseAnswers`: Content-Length, chunked, bodiless statuses,
 * or until close). Nothing here is lenient on purpose beyond what a test needs to read an answer:
 * a framing it cannot follow ends the list with an answer whose `framing` is `'broken'`.
 */

import { latin1Of } from '../../server/http1/bytes.ts';

/**
 * Bytes as latin1 text, one char per byte, by `latin1Of` (not `TextDecoder('latin1')`, which is
 * windows-1252 by the WHATWG Encoding standard and maps 0x80–0x9F to other characters).
 */
const latin1 = (b: Uint8Array) => latin1Of(b, 0, b.byteLength);

/** One answer read off the wire. `body` is latin1 text (one char per byte). */
export interface RawAnswer {
  status: number;
  /** Header fields as sent, names lower-cased, in order. */
  headers: [string, string][];
  body: string;
  /** How the body was delimited; `'broken'`: the bytes did not follow any framing. */
  framing: 'length' | 'chunked' | 'none' | 'close' | 'broken';
  /** Trailer fields of a chunked body (names lower-cased). */
  trailers: [string, string][];
}

/** What one connection saw. */
export interface RawResult {
  /** Every byte received, latin1. */
  text: string;
  /** The peer closed (or reset) the connection before the deadline. */
  closed: boolean;
  /** Time from the first write to the close, or to the end of reading, ms. */
  ms: number;
  answers: RawAnswer[];
}

/** Options of `rawExchange`. Times in ms. */
export interface RawOptions {
  /** Stop reading once this holds for the bytes received so far (default: wait for the close). */
  until?: (text: string) => boolean;
  /** Give up after this long (default 3,000 ms). */
  timeoutMs?: number;
  /** Method of each request in order, so a HEAD answer is read without a body. */
  methods?: string[];
  /** Later pieces to write, each after `gapMs` (a request split over several packets). */
  more?: (string | Uint8Array)[];
  gapMs?: number;
  host?: string;
  /** The client does not read for this long after its first write (the answer waits in the peer). */
  pauseMs?: number;
}

/**
 * Sends `data` on a new connection to `host:port` (default 127.0.0.1) and reads the answers;
 * what the socket does not take at once is written as it drains. The connection is always closed
 * before this resolves. @throws when the connection is refused.
 */
export async function rawExchange(
  port: number,
  data: string | Uint8Array,
  opts: RawOptions = {},
): Promise<RawResult> {
  const chunks: Uint8Array[] = [];
  let closed = false;
  /** What the socket has not taken yet, written on `drain`, in order. */
  const unsent: Uint8Array[] = [];
  const flush = (sock: { write(b: Uint8Array): number }) => {
    while (unsent.length > 0) {
      const b = unsent[0] as Uint8Array;
      const n = sock.write(b);
      if (n < b.byteLength) {
        unsent[0] = b.subarray(Math.max(0, n));
        return;
      }
      unsent.shift();
    }
  };
  const send = (piece: string | Uint8Array) => {
    unsent.push(typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece);
    flush(s);
  };
  const s = await Bun.connect({
    hostname: opts.host ?? '127.0.0.1',
    port,
    socket: {
      binaryType: 'uint8array',
      data(_s, d) {
        chunks.push(d.slice());
      },
      drain: flush,
      close() {
        closed = true;
      },
      error() {
        closed = true;
      },
    },
  });
  const t0 = performance.now();
  try {
    if (opts.pauseMs) s.pause();
    send(data);
    if (opts.pauseMs) {
      await Bun.sleep(opts.pauseMs);
      s.resume();
    }
    for (const piece of opts.more ?? []) {
      await Bun.sleep(opts.gapMs ?? 20);
      if (closed) break;
      send(piece);
    }
    const deadline = t0 + (opts.timeoutMs ?? 3_000);
    let text = '';
    let seen = 0;
    while (!closed && performance.now() < deadline) {
      if (chunks.length !== seen) {
        seen = chunks.length;
        text = chunks.map((c) => latin1(c)).join('');
        if (opts.until?.(text)) break;
      }
      await Bun.sleep(2);
    }
  } finally {
    s.end();
  }
  const text = chunks.map((c) => latin1(c)).join('');
  return { text, closed, ms: performance.now() - t0, answers: parseAnswers(text, opts.methods) };
}

/** `until` predicate: at least `n` complete answers have arrived. */
export function answersAtLeast(n: number, methods?: string[]): (text: string) => boolean {
  return (text) => parseAnswers(text, methods).filter((a) => a.framing !== 'broken').length >= n;
}

/**
 * Splits received bytes (latin1 text) into answers, in order. `methods[i]` is the method of the
 * i-th request (HEAD answers have no body). An incomplete last answer is returned as `'broken'`.
 */
export function parseAnswers(text: string, methods: string[] = []): RawAnswer[] {
  const out: RawAnswer[] = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) {
      out.push(broken(text.slice(at)));
      break;
    }
    const lines = text.slice(at, end).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!m) {
      out.push(broken(text.slice(at)));
      break;
    }
    const status = Number(m[1]);
    const headers = lines.slice(1).map((l): [string, string] => {
      const c = l.indexOf(':');
      return [l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim()];
    });
    at = end + 4;
    const get = (n: string) => headers.find(([k]) => k === n)?.[1];
    const a: RawAnswer = { status, headers, body: '', framing: 'none', trailers: [] };
    const interim = status >= 100 && status < 200;
    const head = !interim && methods[out.filter((x) => x.status >= 200).length] === 'HEAD';
    if (interim || status === 204 || status === 304 || head) {
      out.push(a);
      continue;
    }
    if (get('transfer-encoding')?.toLowerCase() === 'chunked') {
      const r = readChunked(text, at);
      if (!r) {
        out.push(broken(text.slice(at)));
        break;
      }
      a.framing = 'chunked';
      a.body = r.body;
      a.trailers = r.trailers;
      at = r.next;
    } else if (get('content-length') !== undefined) {
      const n = Number(get('content-length'));
      if (!Number.isSafeInteger(n) || at + n > text.length) {
        out.push(broken(text.slice(at)));
        break;
      }
      a.framing = 'length';
      a.body = text.slice(at, at + n);
      at += n;
    } else {
      a.framing = 'close';
      a.body = text.slice(at);
      at = text.length;
    }
    out.push(a);
  }
  return out;
}

function broken(rest: string): RawAnswer {
  return { status: 0, headers: [], body: rest, framing: 'broken', trailers: [] };
}

/** Decodes a chunked body starting at `at`; null when incomplete or malformed. */
function readChunked(
  text: string,
  at: number,
): { body: string; trailers: [string, string][]; next: number } | null {
  let body = '';
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    if (eol < 0) return null;
    const size = Number.parseInt(text.slice(at, eol).split(';')[0] ?? '', 16);
    if (!Number.isSafeInteger(size) || size < 0) return null;
    at = eol + 2;
    if (size === 0) break;
    if (text.slice(at + size, at + size + 2) !== '\r\n') return null;
    body += text.slice(at, at + size);
    at += size + 2;
  }
  const trailers: [string, string][] = [];
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    if (eol < 0) return null;
    const line = text.slice(at, eol);
    at = eol + 2;
    if (line === '') return { body, trailers, next: at };
    const c = line.indexOf(':');
    trailers.push([line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim()]);
  }
}

/** A header of `a` by lower-case name, or undefined. */
export function answerHeader(a: RawAnswer | undefined, name: string): string | undefined {
  return a?.headers.find(([k]) => k === name)?.[1];
}

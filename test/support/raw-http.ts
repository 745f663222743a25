/**
 * Raw-socket HTTP/1.1 helpers for the data-plane protocol suites: an upstream on `Bun.listen` that
 * answers each request with a scripted list of writes (so a body can arrive in several reads, or
 * chunked, or never), and a client connection that sends bytes as given and reads answers one at a
 * time (Content-Length, chunked or close-delimited). Test-only: nothing here is strict or fast.
 */
import type { Socket, TCPSocketListener } from 'bun';

const latin1 = new TextDecoder('latin1');

/** A request as the raw upstream received it. */
export interface SeenRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  body: string;
}

/** One write of a scripted answer, `delayMs` after the previous one; `close` ends the socket. */
export type Step = { delayMs: number; bytes?: string; close?: boolean };

/** Picks the answer to `req` as scripted writes. */
export type Script = (req: SeenRequest) => Step[];

/** A running raw upstream. */
export interface RawUpstream {
  url: string;
  port: number;
  seen: SeenRequest[];
  /** Connections accepted so far. */
  connections(): number;
  stop(): void;
}

interface UpConn {
  buf: string;
  /** Answers are written in order: the next one waits for this promise. */
  chain: Promise<void>;
  closed: boolean;
}

/** `HTTP/1.1 200 OK` with a Content-Length body, as one string. */
export function okText(body: string, extra = ''): string {
  return `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body, 'latin1')}\r\n${extra}\r\n${body}`;
}

/** Parses complete requests (head + Content-Length or chunked body) off the front of `buf`. */
function takeRequest(buf: string): { req: SeenRequest; rest: string } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.slice(0, end).split('\r\n');
  const [method = '', target = ''] = (lines.shift() ?? '').split(' ');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const c = l.indexOf(':');
    headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
  }
  let at = end + 4;
  let body = '';
  if (headers['transfer-encoding']?.includes('chunked')) {
    for (;;) {
      const eol = buf.indexOf('\r\n', at);
      if (eol < 0) return null;
      const size = Number.parseInt(buf.slice(at, eol), 16);
      if (size === 0) {
        const fin = buf.indexOf('\r\n\r\n', eol);
        if (fin < 0) return null;
        at = fin + 4;
        break;
      }
      if (buf.length < eol + 2 + size + 2) return null;
      body += buf.slice(eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
  } else {
    const n = Number(headers['content-length'] ?? 0);
    if (buf.length < at + n) return null;
    body = buf.slice(at, at + n);
    at += n;
  }
  return { req: { method, target, headers, body }, rest: buf.slice(at) };
}

/** Starts a raw upstream on 127.0.0.1 answering each request with `script(req)`. */
export function startRawUpstream(script: Script): RawUpstream {
  const seen: SeenRequest[] = [];
  let accepted = 0;
  const listener: TCPSocketListener<UpConn> = Bun.listen<UpConn>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(s) {
        accepted++;
        s.data = { buf: '', chain: Promise.resolve(), closed: false };
      },
      data(s, d) {
        const c = s.data;
        c.buf += latin1.decode(d);
        for (;;) {
          const got = takeRequest(c.buf);
          if (!got) return;
          c.buf = got.rest;
          seen.push(got.req);
          const steps = script(got.req);
          c.chain = c.chain.then(() => play(s, steps));
        }
      },
      close(s) {
        s.data.closed = true;
      },
      error(s) {
        s.data.closed = true;
      },
    },
  });
  return {
    url: `http://127.0.0.1:${listener.port}`,
    port: listener.port,
    seen,
    connections: () => accepted,
    stop: () => listener.stop(true),
  };
}

async function play(s: Socket<UpConn>, steps: Step[]): Promise<void> {
  for (const st of steps) {
    if (st.delayMs > 0) await Bun.sleep(st.delayMs);
    if (s.data.closed) return;
    if (st.bytes) s.write(Buffer.from(st.bytes, 'latin1'));
    if (st.close) {
      s.end();
      return;
    }
  }
}

/** One answer read by `RawClient`. */
export interface RawAnswer {
  status: number;
  head: string;
  headers: Record<string, string>;
  body: string;
}

/** A raw client connection: writes bytes as given, reads answers in order. */
export class RawClient {
  private buf = '';
  closed = false;
  private wake: (() => void) | null = null;
  /** Bytes received in all. */
  received = 0;
  private constructor(readonly socket: Socket<RawClient>) {}

  /** Connects to `port` on 127.0.0.1. */
  static async connect(port: number): Promise<RawClient> {
    let self: RawClient | null = null;
    const s = await Bun.connect<RawClient>({
      hostname: '127.0.0.1',
      port,
      socket: {
        data(sock, d) {
          sock.data.received += d.byteLength;
          sock.data.buf += latin1.decode(d);
          sock.data.poke();
        },
        close(sock) {
          sock.data.closed = true;
          sock.data.poke();
        },
        error(sock) {
          sock.data.closed = true;
          sock.data.poke();
        },
      },
    });
    self = new RawClient(s);
    s.data = self;
    return self;
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  write(bytes: string | Uint8Array): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Everything received and not read yet. */
  unread(): string {
    return this.buf;
  }

  /** Waits until `ok(buf)` or close or `timeoutMs`; true when `ok` held. */
  async waitFor(ok: (buf: string) => boolean, timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!ok(this.buf)) {
      if (this.closed) return ok(this.buf);
      const left = until - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, Math.min(left, 50));
      });
    }
    return true;
  }

  /** Reads the next whole answer; null on close or timeout before it was complete. */
  async read(timeoutMs = 3_000, method = 'GET'): Promise<RawAnswer | null> {
    let got: { a: RawAnswer; used: number } | null = null;
    await this.waitFor((b) => (got = parseAnswer(b, method, this.closed)) !== null, timeoutMs);
    if (!got) return null;
    const { a, used } = got as { a: RawAnswer; used: number };
    this.buf = this.buf.slice(used);
    return a;
  }

  /** Waits for the server to close the connection; true when it did within `timeoutMs`. */
  async waitClosed(timeoutMs = 3_000): Promise<boolean> {
    await this.waitFor(() => this.closed, timeoutMs);
    return this.closed;
  }

  end(): void {
    this.socket.end();
  }

  /** Hard close (RST when unread data is pending). */
  destroy(): void {
    this.socket.terminate();
  }
}

function parseAnswer(buf: string, method: string, closed: boolean): { a: RawAnswer; used: number } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buf.slice(0, end);
  const lines = head.split('\r\n');
  const status = Number((lines[0] ?? '').split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
  }
  let at = end + 4;
  if (method === 'HEAD' || status === 204 || status === 304 || status < 200)
    return { a: { status, head, headers, body: '' }, used: at };
  if (headers['transfer-encoding']?.includes('chunked')) {
    let body = '';
    for (;;) {
      const eol = buf.indexOf('\r\n', at);
      if (eol < 0) return null;
      const size = Number.parseInt(buf.slice(at, eol), 16);
      if (size === 0) {
        const fin = buf.indexOf('\r\n', eol + 2);
        if (fin < 0) return null;
        return { a: { status, head, headers, body }, used: fin + 2 };
      }
      if (buf.length < eol + 2 + size + 2) return null;
      body += buf.slice(eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
  }
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    if (buf.length < at + n) return null;
    return { a: { status, head, headers, body: buf.slice(at, at + n) }, used: at + n };
  }
  if (!closed) return null;
  return { a: { status, head, headers, body: buf.slice(at) }, used: buf.length };
}

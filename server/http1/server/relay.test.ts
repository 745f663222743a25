/**
 * The raw front end relaying an upstream answer whose body comes in many reads (`RawRelay`), over
 * raw sockets, with the real upstream client in front of a raw upstream that writes as fast as its
 * socket takes: a client that stops reading stops the upstream (the front end holds a bounded
 * number of bytes for it, however large the answer), gets every byte once it reads again, and a
 * client that hangs up mid-answer gets its upstream connection destroyed; a second client is
 * served after each.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import type { Socket, TCPSocketListener } from 'bun';
import { testFrontEnd } from '../../../test/support/front-end.ts';
import { createUpstreamClient, type UpstreamClient } from '../client/index.ts';
import { errorAnswer } from './handler.ts';
import type { FrontEnd } from './listen.ts';

const BIG = 64 * 1024 * 1024;
const PIECE = Buffer.alloc(256 * 1024, 'r');

interface Upstream {
  origin: string;
  /** Body bytes of `/big` the upstream's socket has taken so far. */
  sent: () => number;
  /** Upstream connections closed by the peer so far. */
  closed: () => number;
  listener: TCPSocketListener<{ left: number }>;
}

let front: FrontEnd | null = null;
let upstream: Upstream | null = null;
let client: UpstreamClient | null = null;
afterEach(() => {
  front?.stop(true);
  upstream?.listener.stop(true);
  client?.close();
  front = upstream = client = null;
});

/** An upstream answering `/big` with BIG bytes written as the socket drains, anything else `ok`. */
function serve(): Upstream {
  let sent = 0;
  let closed = 0;
  const pump = (s: Socket<{ left: number }>) => {
    while (s.data.left > 0) {
      const n = s.write(PIECE, 0, Math.min(PIECE.byteLength, s.data.left));
      if (n <= 0) return;
      s.data.left -= n;
      sent += n;
    }
  };
  const listener = Bun.listen<{ left: number }>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(s) {
        s.data = { left: 0 };
      },
      data(s, d) {
        if (Buffer.from(d).toString('latin1').startsWith('GET /big ')) {
          s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG}\r\n\r\n`);
          s.data.left = BIG;
          pump(s);
        } else s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      },
      drain: pump,
      close() {
        closed += 1;
      },
    },
  });
  upstream = {
    origin: `http://127.0.0.1:${listener.port}`,
    sent: () => sent,
    closed: () => closed,
    listener,
  };
  return upstream;
}

/** A front end whose forwarder sends every request to `origin` through the real upstream client. */
function setup(origin: string): FrontEnd {
  const up = createUpstreamClient();
  client = up;
  front = testFrontEnd((r, done) => {
    up.send(origin, {
      method: r.method,
      target: r.target,
      head: r.head,
      hasHost: r.hasHost,
      rawHead: r.rawHead,
      body: undefined,
      timeoutMs: 2_000,
      relayRaw: r.relayRaw,
      relayChunked: r.relayChunked,
      onAnswer: (_err, res) => done(res ?? errorAnswer(502, 'bad_gateway', 'no answer')),
      onDone() {},
    });
  });
  return front;
}

/** A client socket that counts what it receives; `pause`/`resume` stop and restart reading. */
async function connect(port: number) {
  let got = 0;
  let tail = '';
  const socket = await Bun.connect({
    hostname: '127.0.0.1',
    port,
    socket: {
      data(_s, d) {
        got += d.byteLength;
        tail = (tail + Buffer.from(d).toString('latin1')).slice(-64);
      },
    },
  });
  return { socket, got: () => got, tail: () => tail };
}

async function secondClientOk(port: number): Promise<void> {
  const c = await connect(port);
  c.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
  for (let i = 0; i < 100 && !c.tail().endsWith('\r\n\r\nok'); i++) await Bun.sleep(10);
  expect(c.tail().endsWith('\r\n\r\nok')).toBe(true);
  c.socket.end();
}

const HEAD_BYTES = `HTTP/1.1 200 OK\r\nContent-Length: ${BIG}\r\n\r\n`.length;

describe('a relayed answer', () => {
  test('a client that stops reading stops the upstream, holds bounded bytes, and gets every byte once it reads', async () => {
    const u = serve();
    const f = setup(u.origin);
    const c = await connect(f.port);
    c.socket.pause();
    c.socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    // Bound: what one read from the upstream can hand over (Bun reads up to 512 KiB), twice.
    const bound = 1024 * 1024;
    let most = 0;
    let sentAt = 0;
    for (let i = 0; i < 30; i++) {
      await Bun.sleep(20);
      most = Math.max(most, f.stats().bufferedBytes);
      if (i === 20) sentAt = u.sent();
    }
    if (process.env.SHOW_BOUND) console.log({ most, sent: u.sent() });
    expect(most).toBeLessThan(bound);
    // The upstream is stalled: kernel buffers filled long before 64 MiB, and nothing moves.
    expect(u.sent()).toBeLessThan(BIG / 2);
    expect(u.sent()).toBe(sentAt);
    c.socket.resume();
    for (let i = 0; i < 500 && c.got() < HEAD_BYTES + BIG; i++) await Bun.sleep(10);
    expect(c.got()).toBe(HEAD_BYTES + BIG);
    expect(c.tail().endsWith('r'.repeat(64))).toBe(true);
    expect(u.closed()).toBe(0); // the upstream connection was kept
    c.socket.end();
    await secondClientOk(f.port);
  }, 20_000);

  test('a client that hangs up mid-answer gets its upstream connection destroyed', async () => {
    const u = serve();
    const f = setup(u.origin);
    const c = await connect(f.port);
    c.socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let i = 0; i < 200 && c.got() < 1024 * 1024; i++) await Bun.sleep(5);
    expect(c.got()).toBeGreaterThan(0);
    c.socket.end();
    for (let i = 0; i < 200 && u.closed() === 0; i++) await Bun.sleep(10);
    expect(u.closed()).toBe(1);
    expect(u.sent()).toBeLessThan(BIG);
    await secondClientOk(f.port);
  }, 20_000);
});

/**
 * Large bodies through a real balancer, byte for byte, over raw sockets: answers of 40 KiB to
 * 4 MiB (Content-Length or chunked, written by the upstream in pieces of several sizes) to clients
 * that read at once or only after a pause, uploads of 200 KiB to 2 MiB, and large answers
 * pipelined. Every body is patterned by position and compared by SHA-256, so a byte lost, doubled
 * or read from a freed receive buffer fails (the balancer frees Bun's receive buffers of 32 KiB
 * and more as soon as their callback is over: `releaseReceived`). After each case a second client
 * gets exactly its own answer.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Socket, TCPSocketListener } from 'bun';
import { pattern, sha256 } from '../support/patterned-bytes.ts';
import { answersAtLeast, rawExchange } from '../support/raw-exchange.ts';
import { startTestBalancer, type TestBalancer } from '../support/test-balancer.ts';

interface Up {
  head: string;
  body: Buffer;
  piece: number;
}

/**
 * The upstream: `GET /pattern/<n>/<piece>/<seed>[/chunked]` answers `n` patterned bytes written
 * `piece` bytes at a time as the socket drains; `POST /hash` answers the SHA-256 of its
 * Content-Length body; anything else `ok`.
 */
function startUpstream(): TCPSocketListener<{ input: Buffer; out: Buffer[] }> {
  const pump = (s: Socket<{ input: Buffer; out: Buffer[] }>) => {
    while (s.data.out.length > 0) {
      const next = s.data.out[0] as Buffer;
      const n = s.write(next);
      if (n < next.byteLength) {
        s.data.out[0] = next.subarray(Math.max(0, n));
        return;
      }
      s.data.out.shift();
    }
  };
  const answer = (s: Socket<{ input: Buffer; out: Buffer[] }>, u: Up) => {
    s.data.out.push(Buffer.from(u.head, 'latin1'));
    for (let at = 0; at < u.body.byteLength; at += u.piece)
      s.data.out.push(u.body.subarray(at, at + u.piece));
    pump(s);
  };
  const handle = (s: Socket<{ input: Buffer; out: Buffer[] }>) => {
    for (;;) {
      const buf = s.data.input;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const [method, target = ''] = head.split(' ');
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.byteLength < end + 4 + length) return;
      const body = buf.subarray(end + 4, end + 4 + length);
      s.data.input = buf.subarray(end + 4 + length);
      const [, kind, n, piece, seed, chunked] = target.split('/');
      if (method === 'GET' && kind === 'pattern') {
        const data = pattern(Number(n), Number(seed));
        if (chunked === 'chunked') {
          const framed: Buffer[] = [];
          for (let at = 0; at < data.byteLength; at += 10_000) {
            const part = data.subarray(at, at + 10_000);
            framed.push(Buffer.from(`${part.byteLength.toString(16)}\r\n`), part, Buffer.from('\r\n'));
          }
          framed.push(Buffer.from('0\r\n\r\n'));
          answer(s, {
            head: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
            body: Buffer.concat(framed),
            piece: Number(piece),
          });
        } else
          answer(s, {
            head: `HTTP/1.1 200 OK\r\nContent-Length: ${data.byteLength}\r\n\r\n`,
            body: data,
            piece: Number(piece),
          });
      } else {
        const text = method === 'POST' ? sha256(body) : 'ok';
        answer(s, {
          head: `HTTP/1.1 200 OK\r\nContent-Length: ${text.length}\r\n\r\n`,
          body: Buffer.from(text),
          piece: 1 << 20,
        });
      }
    }
  };
  return Bun.listen<{ input: Buffer; out: Buffer[] }>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(s) {
        s.data = { input: Buffer.alloc(0), out: [] };
      },
      data(s, d) {
        s.data.input = Buffer.concat([s.data.input, d]);
        handle(s);
      },
      drain: pump,
    },
  });
}

/** An answer's status and body bytes. */
interface Got {
  status: number;
  body: Buffer;
}

/**
 * Sends `request` on a new connection (the client not reading for `pauseMs` first) and waits up
 * to 10 s for `n` complete answers (`rawExchange`).
 */
async function exchange(port: number, request: Uint8Array, n: number, pauseMs: number): Promise<Got[]> {
  const r = await rawExchange(port, request, { until: answersAtLeast(n), timeoutMs: 10_000, pauseMs });
  const whole = r.answers.filter((a) => a.framing !== 'broken');
  if (whole.length < n) throw new Error(`no ${n} answers in 10 s: ${r.text.length} bytes received`);
  return whole.map((a) => ({ status: a.status, body: Buffer.from(a.body, 'latin1') }));
}

let upstream: TCPSocketListener<{ input: Buffer; out: Buffer[] }>;
let balancer: TestBalancer;
beforeAll(async () => {
  upstream = startUpstream();
  balancer = await startTestBalancer([`http://127.0.0.1:${upstream.port}`]);
});
afterAll(async () => {
  await balancer.stop();
  upstream.stop(true);
});

async function secondClientGetsItsOwn(seed: number): Promise<void> {
  const [a] = await exchange(
    balancer.port,
    Buffer.from(`GET /pattern/100/100/${seed} HTTP/1.1\r\nHost: x\r\n\r\n`),
    1,
    0,
  );
  expect(a?.status).toBe(200);
  expect(sha256(a?.body ?? Buffer.alloc(0))).toBe(sha256(pattern(100, seed)));
}

describe('large answers arrive byte for byte', () => {
  const rows: [string, number, number, boolean, number][] = [
    // name, bytes, upstream piece, chunked, client pause (ms)
    ['40 KiB in one write, read at once', 40 * 1024, 1 << 20, false, 0],
    ['64 KiB in one write, read after a pause', 64 * 1024, 1 << 20, false, 300],
    ['1 MiB in 100 KB pieces, read at once', 1 << 20, 100_000, false, 0],
    [
      '4 MiB in 512 KiB pieces, read after a pause (the rest waits in the balancer)',
      4 << 20,
      512 * 1024,
      false,
      300,
    ],
    ['1 MiB chunked in 33 KB pieces, read after a pause', 1 << 20, 33_000, true, 300],
    ['200 KB chunked in one write, read at once', 200_000, 1 << 20, true, 0],
  ];
  test.each(rows)(
    '%s',
    async (_name, bytes, piece, chunked, pauseMs) => {
      const seed = bytes % 251;
      const target = `/pattern/${bytes}/${piece}/${seed}${chunked ? '/chunked' : ''}`;
      const [a] = await exchange(
        balancer.port,
        Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`),
        1,
        pauseMs,
      );
      expect(a?.status).toBe(200);
      expect(a?.body.byteLength).toBe(bytes);
      expect(sha256(a?.body ?? Buffer.alloc(0))).toBe(sha256(pattern(bytes, seed)));
      await secondClientGetsItsOwn(seed + 1);
    },
    15_000,
  );

  test('two large answers pipelined on one connection come back in order, each whole', async () => {
    const req = (n: number, seed: number) => `GET /pattern/${n}/65536/${seed} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const got = await exchange(balancer.port, Buffer.from(req(300_000, 3) + req(70_000, 4)), 2, 200);
    expect(got.map((g) => [g.status, sha256(g.body)])).toEqual([
      [200, sha256(pattern(300_000, 3))],
      [200, sha256(pattern(70_000, 4))],
    ]);
    await secondClientGetsItsOwn(9);
  }, 15_000);
});

describe('large uploads arrive byte for byte', () => {
  const rows: [string, number][] = [
    ['200 KB (streamed past the retry buffer)', 200_000],
    ['2 MiB', 2 << 20],
  ];
  test.each(rows)(
    '%s',
    async (_name, bytes) => {
      const body = pattern(bytes, 17);
      const head = Buffer.from(
        `POST /hash HTTP/1.1\r\nHost: x\r\nContent-Length: ${bytes}\r\n\r\n`,
        'latin1',
      );
      const [a] = await exchange(balancer.port, Buffer.concat([head, body]), 1, 0);
      expect(a?.status).toBe(200);
      expect(a?.body.toString('latin1')).toBe(sha256(body));
      await secondClientGetsItsOwn(21);
    },
    15_000,
  );
});

/**
 * A streamed upload to a zone at zero, over a raw client socket: the balancer (in process, real
 * sockets) holds the request without buffering its body — the client's writes stall on
 * back-pressure once a few MiB are in the kernel's and the stream's buffers — asks the (fake)
 * leader for a server, and once a server is added forwards the whole 32 MiB body to it, once; a
 * request held longer than the try timeout keeps its client connection.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { connect, type Socket } from 'node:net';
import { startBalancer } from '../../server/balancer/start.ts';
import { BalancerConfig } from '../../server/config/roles.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { RoleHandle } from '../../server/shared/role.ts';

const TOKEN = 'activation-stream-token-0123456789';
const BODY = 32 * 1024 * 1024;
let leader: ReturnType<typeof Bun.serve>;
let upstream: ReturnType<typeof Bun.serve>;
let balancer: RoleHandle;
const activations: unknown[] = [];
let received = 0;

beforeAll(async () => {
  leader = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      if (new URL(req.url).pathname !== '/activate') return new Response('no', { status: 404 });
      activations.push(await req.json());
      return Response.json({ zone: 'zone1', state: 'activating', servers: 0 }, { status: 202 });
    },
  });
  upstream = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      if (new URL(req.url).pathname === '/health_check') return Response.json({ status: 'ok' });
      const reader = req.body?.getReader();
      for (let r = await reader?.read(); r && !r.done; r = await reader?.read())
        received += r.value.byteLength;
      return Response.json({ received });
    },
  });
  balancer = await startBalancer(
    {
      ...BalancerConfig.parse({ token: TOKEN, zone: 'zone1' }),
      host: '127.0.0.1',
      port: 0,
      monitor: `http://127.0.0.1:${leader.port}`,
      checkIntervalMs: 500,
      checkTimeoutMs: 500,
    },
    silentLogger,
  );
});

afterAll(async () => {
  await balancer?.stop();
  await upstream?.stop(true);
  await leader?.stop(true);
});

describe('a streamed body held for activation', () => {
  test('is held by back-pressure, not buffered, and reaches the new server whole', async () => {
    const { port } = new URL(balancer.url);
    const sock: Socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    let answer = '';
    sock.on('data', (d) => (answer += d.toString('latin1')));
    sock.write(`POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: ${BODY}\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 97);
    let written = 0;
    let writing = true;
    const pump = async () => {
      while (writing && written < BODY) {
        written += chunk.byteLength;
        if (!sock.write(chunk)) await new Promise<void>((r) => sock.once('drain', () => r()));
      }
    };
    const pumping = pump();
    await Bun.sleep(1_000);
    // Held: nothing reached a server, the leader was asked, and the client is stalled well short of the body.
    expect(received).toBe(0);
    expect(activations).toEqual([{ zone: 'zone1' }]);
    const stalledAt = written;
    expect(stalledAt).toBeLessThan(BODY / 2);
    await Bun.sleep(300);
    expect(written).toBe(stalledAt);
    const add = await fetch(`${balancer.url}/servers`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ add: [`http://127.0.0.1:${upstream.port}`] }),
    });
    expect(add.status).toBe(200);
    await pumping;
    const end = Date.now() + 10_000;
    while (!answer.includes('}') && Date.now() < end) await Bun.sleep(20);
    writing = false;
    sock.destroy();
    expect(answer.startsWith('HTTP/1.1 200')).toBe(true);
    expect(answer).toContain(`{"received":${BODY}}`);
    expect(received).toBe(BODY);
  }, 20_000);
});

describe('a request held longer than the try timeout', () => {
  test("is not cut by the client connection's idle timeout while it waits for activation", async () => {
    // Try timeout 1 s: the connection's idle timeout used to be max(10 s, try + 5 s) = 10 s, so a
    // request held 12 s lost its connection; it now covers the activation timeout (20 s + 5 s).
    const b = await startBalancer(
      {
        ...BalancerConfig.parse({ token: TOKEN, zone: 'zone2' }),
        host: '127.0.0.1',
        port: 0,
        monitor: `http://127.0.0.1:${leader.port}`,
        tryTimeoutMs: 1_000,
        activationTimeoutMs: 20_000,
        checkTimeoutMs: 500,
      },
      silentLogger,
    );
    try {
      const sock: Socket = connect(Number(new URL(b.url).port), '127.0.0.1');
      await new Promise<void>((r) => sock.once('connect', () => r()));
      let answer = '';
      let closed = false;
      sock.on('data', (d) => (answer += d.toString('latin1')));
      sock.on('close', () => (closed = true));
      sock.write('GET /late HTTP/1.1\r\nhost: x\r\n\r\n');
      await Bun.sleep(12_000);
      expect(closed).toBe(false);
      expect(answer).toBe('');
      await fetch(`${b.url}/servers`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ add: [`http://127.0.0.1:${upstream.port}`] }),
      });
      const end = Date.now() + 5_000;
      while (!answer.includes('}') && Date.now() < end) await Bun.sleep(20);
      sock.destroy();
      expect(answer.startsWith('HTTP/1.1 200')).toBe(true);
    } finally {
      await b.stop();
    }
  }, 25_000);
});

/**
 * Uploads through a real balancer over raw sockets (issue 10, defects 1 and 6): a stalled upload
 * is the client's fault — 408 and a close after the client-body timeout, the servers stay in the
 * alive pool and other clients are served — and requests with bodies are pipelined in order with
 * bodiless ones. After every case a second client over the same upstream pool gets its own answer.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { okText, RawClient, type RawUpstream, startRawUpstream } from '../support/raw-http.ts';
import { startTestBalancer, type TestBalancer } from '../support/test-balancer.ts';

let ups: RawUpstream[] = [];
let balancer: TestBalancer;
let port = 0;

/** The uploads suite's balancer: short try and client-body timeouts, a 64 KiB retry buffer. */
const UPLOADS = { tryTimeoutMs: 1_000, clientBodyTimeoutMs: 300, maxRetryBodyBytes: 64 * 1024 };

beforeAll(async () => {
  const echo = (name: string) =>
    startRawUpstream((r) => [
      {
        delayMs: 0,
        bytes: okText(r.method === 'GET' ? `${name} ${r.target}` : `${r.target} ${r.body.length}`),
      },
    ]);
  ups = [echo('a'), echo('b')];
  balancer = await startTestBalancer(
    ups.map((u) => u.url),
    UPLOADS,
  );
  port = balancer.port;
});

afterAll(async () => {
  await balancer?.stop();
  for (const u of ups) u.stop();
});

async function alive(): Promise<string[]> {
  return ((await (await fetch(`${balancer.url}/servers`)).json()) as { servers: string[] }).servers;
}

/** `n` GETs of `/id/<k>` on one keep-alive connection; returns how many got their own answer. */
async function normalClient(me: number, n: number): Promise<number> {
  const c = await RawClient.connect(port);
  let ok = 0;
  for (let k = 0; k < n; k++) {
    c.write(`GET /id/${me}-${k} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const a = await c.read(3_000);
    if (a?.status === 200 && a.body.endsWith(` /id/${me}-${k}`)) ok++;
    await Bun.sleep(5);
  }
  c.end();
  return ok;
}

describe('slow uploads never eject healthy servers (defect 1)', () => {
  test.each([
    ['streamed (larger than the retry buffer)', 2_000_000],
    ['buffered (within the retry buffer)', 10_000],
  ])(
    'stalled %s uploads, one per server and more, get 408 and a close; the zone keeps serving',
    async (_kind, length) => {
      const before = await alive();
      expect(before).toHaveLength(2);
      const stalled = await Promise.all(
        Array.from({ length: 4 }, async () => {
          const c = await RawClient.connect(port);
          c.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n${'u'.repeat(1024)}`);
          return c;
        }),
      );
      // Beside them, normal clients are served through and past the try timeout (1 s).
      const normal = Promise.all(Array.from({ length: 8 }, (_, i) => normalClient(i, 30)));
      for (const c of stalled) {
        const a = await c.read(3_000);
        expect(a?.status).toBe(408);
        expect(a?.body).toContain('client_body_timeout');
        expect(await c.waitClosed()).toBe(true);
      }
      expect(await normal).toEqual(Array(8).fill(30));
      expect((await alive()).sort()).toEqual([...before].sort());
    },
    15_000,
  );

  test('a stalled streamed upload that outlasts the try timeout is not counted against the server', async () => {
    // The try timeout (300 ms) comes before the client-body timeout (2 s).
    const b = await startTestBalancer(
      ups.map((u) => u.url),
      { ...UPLOADS, tryTimeoutMs: 300, clientBodyTimeoutMs: 2_000 },
    );
    try {
      const stalled = await Promise.all(
        [0, 1, 2].map(async () => {
          const c = await RawClient.connect(Number(new URL(b.url).port));
          c.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n${'u'.repeat(1024)}`);
          return c;
        }),
      );
      for (const c of stalled) {
        const a = await c.read(4_000);
        expect(a?.status).toBe(408);
        expect(await c.waitClosed()).toBe(true);
      }
      const res = await fetch(`${b.url}/servers`);
      expect(((await res.json()) as { servers: string[] }).servers).toHaveLength(2);
      expect((await fetch(`${b.url}/id/after`)).status).toBe(200);
    } finally {
      await b.stop();
    }
  });

  // The upstream client starts a try's deadline once its request is fully written.
  test('an upload larger than the retry buffer and slower than the try timeout succeeds', async () => {
    const c = await RawClient.connect(port);
    const size = 200 * 1024;
    c.write(`POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`);
    for (let sent = 0; sent < size; sent += 20 * 1024) {
      await Bun.sleep(150); // 10 pieces over 1.5 s: slower than the 1 s try timeout
      c.write('z'.repeat(20 * 1024));
    }
    const a = await c.read(5_000);
    expect(a?.status).toBe(200);
    expect(a?.body).toBe(`/big ${size}`);
    expect(await alive()).toHaveLength(2);
  });
});

describe('bodies on the raw path, pipelined (defect 6)', () => {
  test('GET, POST, GET in one packet reach the servers and get three answers in order', async () => {
    const c = await RawClient.connect(port);
    c.write(
      'GET /id/p1 HTTP/1.1\r\nHost: x\r\n\r\n' +
        'POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' +
        'GET /id/p2 HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    const got = [await c.read(), await c.read(), await c.read()].map((a) => a?.body ?? '');
    expect(got[0]).toEndWith(' /id/p1');
    expect(got[1]).toBe('/post 5');
    expect(got[2]).toEndWith(' /id/p2');
    c.end();
    expect(await normalClient(99, 1)).toBe(1);
  });

  test('a chunked upload is forwarded whole, and the request carries the client address', async () => {
    const c = await RawClient.connect(port);
    c.write(
      'POST /chunks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
    );
    expect((await c.read())?.body).toBe('/chunks 5');
    c.end();
    const seen = ups.flatMap((u) => u.seen).find((r) => r.target === '/chunks');
    expect(seen?.body).toBe('abcde');
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.headers['transfer-encoding']).toBeUndefined();
    expect(seen?.headers['content-length']).toBe('5');
  });
});

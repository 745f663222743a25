import { afterEach, describe, expect, test } from 'bun:test';
import { silentLogger } from '../../shared/logger.ts';
import type { ForwardAnswer, ForwardRequest } from './handler.ts';
import { type FrontEnd, startFrontEnd } from './listen.ts';

const enc = new TextEncoder();

interface Rig {
  front: FrontEnd;
  fallback: ReturnType<typeof Bun.serve>;
  seen: ForwardRequest[];
  tunnels: Map<number, string>;
}

let rig: Rig | null = null;
afterEach(() => {
  rig?.front.stop(true);
  rig?.fallback.stop(true);
  rig = null;
});

/**
 * A front end over a fake forwarder (echoes the target; answers synchronously, or on a later turn
 * with `later`) and a fallback `Bun.serve` that names itself. `seen` keeps a copy of each request.
 */
function setup(answer?: (r: ForwardRequest) => ForwardAnswer, later = false): Rig {
  const seen: ForwardRequest[] = [];
  const tunnels = new Map<number, string>();
  const fallback = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req, srv) {
      const ip = srv.requestIP(req);
      const body = await req.text();
      return new Response(
        `fallback ${req.method} ${new URL(req.url).pathname} ${body} from ${tunnels.get(ip?.port ?? 0)}`,
      );
    },
  });
  const front = startFrontEnd({
    host: '127.0.0.1',
    port: 0,
    fallbackPort: fallback.port as number,
    controlPaths: new Set(['/pools']),
    forward: (r, done) => {
      seen.push({ ...r });
      const a = answer?.(r) ?? {
        status: 200,
        statusText: 'OK',
        headers: [['content-type', 'text/plain']],
        body: enc.encode(`fast ${r.target}`),
      };
      if (later) setTimeout(() => done(a), 1);
      else done(a);
    },
    idleTimeoutS: 10,
    draining: () => false,
    tunnels,
    log: silentLogger,
  });
  rig = { front, fallback, seen, tunnels };
  return rig;
}

/** Sends `raw` on one TCP connection and collects what comes back until `until` matches or it closes. */
async function exchange(port: number, raw: string, until: (s: string) => boolean): Promise<string> {
  let got = '';
  let closed = false;
  const s = await Bun.connect({
    hostname: '127.0.0.1',
    port,
    socket: {
      data(_s, d) {
        got += new TextDecoder().decode(d);
      },
      close() {
        closed = true;
      },
    },
  });
  s.write(raw);
  const deadline = Date.now() + 3_000;
  while (!until(got) && !closed && Date.now() < deadline) await Bun.sleep(5);
  s.end();
  return got;
}

const latin1 = new TextDecoder('latin1');

describe('raw front end', () => {
  test.each([
    ['synchronous', false],
    ['later', true],
  ])(
    'pipelined GETs on one keep-alive connection are answered in order with a content length (%s answers)',
    async (_how, later) => {
      const { front, seen } = setup(undefined, later);
      const got = await exchange(
        front.port,
        'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b?q=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n',
        (s) => s.includes('fast /c'),
      );
      expect(got.indexOf('fast /a')).toBeGreaterThan(0);
      expect(got.indexOf('fast /a')).toBeLessThan(got.indexOf('fast /b?q=1'));
      expect(got.indexOf('fast /b?q=1')).toBeLessThan(got.indexOf('fast /c'));
      expect(got).toContain('content-length: 7\r\n');
      expect(seen.map((r) => r.target)).toEqual(['/a', '/b?q=1', '/c']);
      // The upstream head is the client's own bytes plus the X-Forwarded-* lines.
      expect(latin1.decode(seen[0]?.rawHead)).toBe(
        'GET /a HTTP/1.1\r\nHost: x\r\nx-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: x\r\n\r\n',
      );
    },
  );

  test('a raw upstream answer reaches an HTTP/1.1 client byte for byte; HTTP/1.0 and Connection: close get a connection line added', async () => {
    const upstream = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Up: 1\r\n\r\nok';
    const { front } = setup(() => ({
      status: 200,
      statusText: '',
      headers: [],
      body: null,
      raw: enc.encode(upstream),
    }));
    const got = await exchange(front.port, 'GET /r HTTP/1.1\r\nHost: x\r\n\r\n', (s) => s.endsWith('ok'));
    expect(got).toBe(upstream);
    // An HTTP/1.0 client or a `Connection: close` request gets the same bytes plus a connection line.
    const old = await exchange(front.port, 'GET /r HTTP/1.0\r\n\r\n', () => false);
    expect(old).toBe('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Up: 1\r\nconnection: close\r\n\r\nok');
    const kept = await exchange(front.port, 'GET /r HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', (s) =>
      s.endsWith('ok'),
    );
    expect(kept).toBe('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Up: 1\r\nconnection: keep-alive\r\n\r\nok');
    const close = await exchange(
      front.port,
      'GET /r HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      () => false,
    );
    expect(close).toBe(old);
  });

  test('an answer still corked when the front end stops (in the same turn) is written before the close', async () => {
    let stopNow = () => {};
    const r = setup((req) => {
      queueMicrotask(stopNow); // after the answer is written (corked), before the turn ends
      return { status: 200, statusText: 'OK', headers: [], body: enc.encode(`last ${req.target}`) };
    });
    stopNow = () => r.front.stop(false);
    const got = await exchange(r.front.port, 'GET /z HTTP/1.1\r\nHost: x\r\n\r\n', () => false);
    expect(got).toStartWith('HTTP/1.1 200 OK\r\n');
    expect(got).toEndWith('last /z');
  });

  test('a request without Host or over HTTP/1.0 goes upstream as header lines, not spliced bytes', async () => {
    const { front, seen } = setup();
    await exchange(front.port, 'GET /h HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', (s) =>
      s.includes('fast /h'),
    );
    expect(seen[0]?.rawHead).toBeUndefined();
    expect(seen[0]?.hasHost).toBe(false);
    expect(seen[0]?.head).toBe('x-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\n');
  });

  test('a malformed request gets a 400 JSON error and the connection closes', async () => {
    const { front, seen } = setup();
    const got = await exchange(front.port, 'GARBAGE\r\n\r\n', () => false);
    expect(got.startsWith('HTTP/1.1 400 ')).toBe(true);
    expect(got).toContain('"error":"bad_request"');
    expect(got).toContain('connection: close');
    expect(seen).toHaveLength(0);
  });

  test.each([
    ['a control path', 'GET /pools HTTP/1.1\r\nHost: x\r\n\r\n', 'fallback GET /pools  from 127.0.0.1'],
    [
      'an Upgrade request',
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      'fallback GET /ws  from 127.0.0.1',
    ],
  ])(
    '%s is tunnelled to the full front, which sees the real client address',
    async (_what, raw, expected) => {
      const { front, seen } = setup();
      const got = await exchange(front.port, raw, (s) => s.includes(expected));
      expect(got).toContain(expected);
      expect(seen).toHaveLength(0);
    },
  );

  test('a streamed answer goes out chunked, complete, and the connection is reused', async () => {
    const { front } = setup((r) =>
      r.target === '/stream'
        ? {
            status: 200,
            statusText: 'OK',
            headers: [],
            body: new ReadableStream<Uint8Array>({
              start(c) {
                c.enqueue(enc.encode('one;'));
                c.enqueue(enc.encode('two;'));
                c.close();
              },
            }),
          }
        : { status: 204, statusText: '', headers: [], body: null },
    );
    const got = await exchange(
      front.port,
      'GET /stream HTTP/1.1\r\nHost: x\r\n\r\nGET /empty HTTP/1.1\r\nHost: x\r\n\r\n',
      (s) => s.includes('204'),
    );
    expect(got).toContain('transfer-encoding: chunked\r\n\r\n4\r\none;\r\n4\r\ntwo;\r\n0\r\n\r\n');
    expect(got).toContain('HTTP/1.1 204 No Content\r\n');
  });

  test('an HTTP/1.0 request without keep-alive is answered and the connection closed', async () => {
    const { front } = setup();
    const got = await exchange(front.port, 'GET /old HTTP/1.0\r\n\r\n', () => false);
    expect(got).toContain('fast /old');
    expect(got).toContain('connection: close\r\n');
  });
});

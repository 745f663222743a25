/**
 * The upstream client's exchange lifecycle against scripted raw upstreams: when a try's deadline
 * runs (issue 10, defect 1), how request bodies end, interim 1xx answers, and the pool sized by
 * demand with its idle timeout and opened-connection counters.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import {
  type ScriptedReply,
  type ScriptedUpstream,
  startScriptedUpstream,
} from '../../../test/support/scripted-upstream.ts';
import { createUpstreamClient, UpstreamError, type UpstreamRequest, type UpstreamResponse } from './index.ts';

const latin1 = new TextDecoder('latin1');
const enc = new TextEncoder();
const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

let upstream: ScriptedUpstream | null = null;
afterEach(() => {
  upstream?.stop();
  upstream = null;
});

function serve(reply: (target: string) => ScriptedReply): ScriptedUpstream {
  upstream = startScriptedUpstream(reply);
  return upstream;
}

/** Sends `over` and resolves with the outcome, the raw answer copied while it was valid. */
function send(
  client: ReturnType<typeof createUpstreamClient>,
  origin: string,
  over: Partial<UpstreamRequest>,
): Promise<{ err: unknown; res: UpstreamResponse | null; raw: string | null }> {
  return new Promise((resolve) =>
    client.send(origin, {
      method: 'GET',
      target: '/t',
      head: '',
      body: undefined,
      timeoutMs: 2_000,
      onDone() {},
      ...over,
      onAnswer: (err, res) => resolve({ err, res, raw: res?.raw ? latin1.decode(res.raw) : null }),
    }),
  );
}

/** A body stream that sends `first`, waits `gapMs`, then `rest` (or fails with `fail`). */
function slowBody(first: string, gapMs: number, rest: string | Error): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async start(ctrl) {
      ctrl.enqueue(enc.encode(first));
      await Bun.sleep(gapMs);
      if (rest instanceof Error) ctrl.error(rest);
      else {
        ctrl.enqueue(enc.encode(rest));
        ctrl.close();
      }
    },
  });
}

describe('a try deadline starts once the request is fully written (defect 1)', () => {
  test('a request body slower than the try timeout is not a server timeout', async () => {
    const u = serve(() => ok('got it'));
    const client = createUpstreamClient();
    const body = slowBody('a'.repeat(1024), 300, 'b'.repeat(1024));
    const { err, raw } = await send(client, u.origin, {
      method: 'POST',
      body,
      contentLength: 2048,
      timeoutMs: 100,
    });
    expect(err).toBeNull();
    expect(raw).toBe(ok('got it'));
    expect(u.conns[0]?.heads[0]).toContain('content-length: 2048\r\n');
    client.close();
  });

  test('once the body is all written, a silent upstream times out after the try timeout', async () => {
    const u = serve(() => null);
    const client = createUpstreamClient();
    const t0 = performance.now();
    const { err } = await send(client, u.origin, {
      method: 'POST',
      body: slowBody('x', 200, 'y'),
      contentLength: 2,
      timeoutMs: 100,
    });
    const ms = performance.now() - t0;
    expect((err as UpstreamError).kind).toBe('timeout');
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(1_000);
    client.close();
  });

  test('a failing request body ends the try as client-aborted (never a server failure) and the connection is destroyed', async () => {
    const u = serve(() => ok('never'));
    const client = createUpstreamClient();
    const { err } = await send(client, u.origin, {
      method: 'POST',
      body: slowBody('x', 20, new Error('client went away')),
      contentLength: 10,
      timeoutMs: 100,
    });
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('client-aborted');
    for (let i = 0; i < 50 && u.conns[0]?.closedAt === null; i++) await Bun.sleep(10);
    expect(u.conns[0]?.closedAt).not.toBeNull();
    client.close();
  });

  test('a stream body without a length goes chunked and the connection is reused after it', async () => {
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: async (r) => new Response(`echo ${await r.text()}`),
    });
    try {
      const origin = `http://127.0.0.1:${server.port}`;
      const client = createUpstreamClient();
      for (let i = 0; i < 2; i++) {
        const { res, raw } = await send(client, origin, { method: 'POST', body: slowBody('ab', 10, 'cd') });
        expect(res?.status).toBe(200);
        expect(raw?.endsWith('\r\n\r\necho abcd')).toBe(true);
      }
      expect(client.stats?.().opened).toBe(1);
      client.close();
    } finally {
      server.stop(true);
    }
  });

  test('an answer before the body is all sent is passed on, the body cancelled and the connection not reused', async () => {
    const u = serve((t) =>
      t === '/early' ? 'HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n' : ok('next'),
    );
    const client = createUpstreamClient();
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(enc.encode('x'));
      },
      cancel() {
        cancelled = true;
      },
    });
    // The raw upstream answers once the head and the length it names arrived: give it a 1-byte length.
    const { res } = await send(client, u.origin, {
      method: 'POST',
      target: '/early',
      body,
      contentLength: 1,
    });
    expect(res?.status).toBe(413);
    const next = await send(client, u.origin, {});
    expect(next.raw).toBe(ok('next'));
    expect(cancelled).toBe(true);
    expect(u.conns.length).toBe(2);
    client.close();
  });
});

describe('interim 1xx answers', () => {
  test('each interim head goes to onInformational as validated bytes less hop-by-hop lines, then the final answer comes', async () => {
    const interim = ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n'];
    const hint = 'HTTP/1.1 103 Early Hints\r\nKeep-Alive: timeout=5\r\nLink: </a.css>\r\n\r\n';
    const u = serve(() => ({ parts: [interim[0] as string, `${hint}${ok('final')}`], gapMs: 10 }));
    const client = createUpstreamClient();
    const seen: string[] = [];
    const { raw } = await send(client, u.origin, { onInformational: (h) => seen.push(latin1.decode(h)) });
    expect(seen).toEqual(interim);
    expect(raw).toBe(ok('final'));
    expect((await send(client, u.origin, {})).raw).toBe(ok('final'));
    expect(u.conns.length).toBe(1);
    client.close();
  });

  test('an unsolicited 101 is a bad response', async () => {
    const u = serve(() => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n');
    const client = createUpstreamClient();
    const { err } = await send(client, u.origin, {});
    expect((err as UpstreamError).kind).toBe('bad-response');
    client.close();
  });
});

describe('the pool is sized by demand', () => {
  /** `n` requests at once. */
  async function wave(client: ReturnType<typeof createUpstreamClient>, origin: string, n: number) {
    const outs = await Promise.all(
      Array.from({ length: n }, (_, i) => send(client, origin, { target: `/${i}` })),
    );
    for (const o of outs) expect(o.res?.status).toBe(200);
  }

  test('300 concurrent clients twice open 300 connections, not more (no fixed idle cap)', async () => {
    const u = serve(() => ok('x'));
    const client = createUpstreamClient();
    await wave(client, u.origin, 300);
    const first = client.stats?.().opened ?? 0;
    await wave(client, u.origin, 300);
    const s = client.stats?.();
    expect(s?.opened).toBe(first);
    expect(s?.openedByOrigin.get(u.origin)).toBe(first);
    expect(s?.idle).toBe(first);
    client.close();
  });

  test('idle connections are closed after the idle timeout', async () => {
    const u = serve(() => ok('x'));
    const opened: string[] = [];
    const client = createUpstreamClient({ idleTimeoutMs: 100, onConnectionOpened: (o) => opened.push(o) });
    await wave(client, u.origin, 5);
    expect(client.stats?.().idle).toBe(opened.length);
    expect(opened.every((o) => o === u.origin)).toBe(true);
    for (let i = 0; i < 50 && (client.stats?.().idle ?? 0) > 0; i++) await Bun.sleep(20);
    expect(client.stats?.().idle).toBe(0);
    for (let i = 0; i < 50 && u.conns.some((c) => c.closedAt === null); i++) await Bun.sleep(10);
    expect(u.conns.every((c) => c.closedAt !== null)).toBe(true);
    client.close();
  });
});

describe('a streamed chunked answer with relayChunked', () => {
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
  test('the body stream carries the chunk-framed bytes as received, and the connection is reused', async () => {
    const framed = ['5\r\nhello\r\n', '6;x=1\r\n, worl\r\n', '1\r\nd\r\n0\r\nX-T: 1\r\n\r\n'];
    const u = serve(() => ({
      parts: [`${head}${framed[0]}`, framed[1] as string, framed[2] as string],
      gapMs: 15,
    }));
    const client = createUpstreamClient();
    const { res } = await send(client, u.origin, { relayChunked: true });
    expect(res?.framed).toBe(true);
    expect(res?.headers).toEqual([]);
    expect(await new Response(res?.body as ReadableStream).text()).toBe(framed.join(''));
    await send(client, u.origin, {});
    expect(u.conns.length).toBe(1);
    client.close();
  });

  test('a malformed chunk after the answer errors the body stream and destroys the connection', async () => {
    const u = serve(() => ({ parts: [`${head}5\r\nhello\r\n`, 'zz\r\n'], gapMs: 15 }));
    const client = createUpstreamClient();
    const { res } = await send(client, u.origin, { relayChunked: true });
    const err = await new Response(res?.body as ReadableStream).text().catch((e: unknown) => e);
    expect((err as UpstreamError).kind).toBe('bad-response');
    for (let i = 0; i < 50 && u.conns[0]?.closedAt === null; i++) await Bun.sleep(10);
    expect(u.conns[0]?.closedAt).not.toBeNull();
    client.close();
  });
});

describe('reading and reuse', () => {
  test.each([
    ['a Content-Length answer', ok('dripped in'), 'dripped in'],
    [
      'a chunked answer',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\ndrip\r\n0\r\n\r\n',
      'drip',
    ],
    ['an interim head and an answer', `HTTP/1.1 100 Continue\r\n\r\n${ok('after 100')}`, 'after 100'],
  ])(
    '%s that drips in a few bytes at a time reads the same and leaves the connection reusable',
    async (_n, text, want) => {
      const parts: string[] = [];
      for (let i = 0; i < text.length; i += 7) parts.push(text.slice(i, i + 7));
      const u = serve((t) => (t === '/drip' ? { parts, gapMs: 1 } : ok('next')));
      const client = createUpstreamClient();
      const { res, raw } = await send(client, u.origin, { target: '/drip' });
      const body = raw
        ? raw.slice(raw.indexOf('\r\n\r\n') + 4)
        : res?.body instanceof ReadableStream
          ? await new Response(res.body).text()
          : latin1.decode(res?.body as Uint8Array);
      expect(res?.status).toBe(200);
      expect(body).toBe(want);
      expect((await send(client, u.origin, {})).raw).toBe(ok('next'));
      expect(u.conns.length).toBe(1);
      client.close();
    },
  );

  test('a reused connection the upstream closed as the request went out is retried once on a fresh one', async () => {
    let n = 0;
    const u = serve(() => (++n === 2 ? { parts: [], gapMs: 0, close: true } : ok(`answer ${n}`)));
    const client = createUpstreamClient();
    expect((await send(client, u.origin, {})).raw).toBe(ok('answer 1'));
    const second = await send(client, u.origin, {});
    expect(second.raw).toBe(ok('answer 3'));
    expect(u.conns.length).toBe(2);
    client.close();
  });
});

/** The pooled raw-socket upstream client against a scripted TCP upstream on 127.0.0.1. */
import { afterEach, describe, expect, test } from 'bun:test';
import { latin1, req, sendOnce, serve, stopServed } from '../../../test/support/upstream-client-fixtures.ts';
import { createUpstreamClient, detach, requestUpstream } from './index.ts';

afterEach(stopServed);

describe('upstream client', () => {
  const clean = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello';

  test('a clean complete response comes back raw, byte for byte, and the connection is reused', async () => {
    const u = serve(() => clean);
    const client = createUpstreamClient();
    for (let i = 0; i < 3; i++) {
      const { status, raw } = await sendOnce(client, u.origin, req());
      expect(status).toBe(200);
      expect(raw).toBe(clean);
    }
    expect(u.accepted()).toBe(1);
    expect(u.got[0]).toBe(`GET /t HTTP/1.1\r\nhost: ${u.origin.slice(7)}\r\n\r\n`);
    client.close();
  });

  test('a response split over several reads is still passed on raw once complete', async () => {
    const u = serve(() => clean, 3);
    const client = createUpstreamClient();
    expect((await sendOnce(client, u.origin, req())).raw).toBe(clean);
    client.close();
  });

  test('hop-by-hop lines are cut from a raw answer; Connection: close still answers raw but the connection is not reused', async () => {
    let close = false;
    const u = serve(() =>
      close
        ? 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'
        : 'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nX-A: 1\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok',
    );
    const client = createUpstreamClient();
    expect((await sendOnce(client, u.origin, req())).raw).toBe(
      'HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nok',
    );
    expect((await sendOnce(client, u.origin, req())).raw).toBe(
      'HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nok',
    );
    expect(u.accepted()).toBe(1);
    close = true;
    expect((await sendOnce(client, u.origin, req())).raw).toBe(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    close = false;
    await sendOnce(client, u.origin, req());
    expect(u.accepted()).toBe(2);
    client.close();
  });

  const big = 'b'.repeat(20_000);
  const bigChunked = `4e20\r\n${big}\r\n0\r\n\r\n`;
  test.each([
    ['Content-Length', `Content-Length: 20000\r\n\r\n${big}`, `Content-Length: 20000\r\n\r\n`, big],
    [
      'chunked',
      `Transfer-Encoding: chunked\r\n\r\n${bigChunked}`,
      `Transfer-Encoding: chunked\r\n\r\n`,
      bigChunked,
    ],
  ])(
    'a large %s answer losing hop-by-hop lines comes as its cut head and its body in place; detach joins them',
    async (_n, rest, head, tail) => {
      const u = serve(() => `HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n${rest}`);
      const client = createUpstreamClient();
      const got = await new Promise<{ head: string; tail: string; kept: string }>((resolve, reject) =>
        client.send(u.origin, {
          ...req({ relayChunked: true }),
          onAnswer: (err, res) => {
            if (!res?.raw || !res.rawTail) return reject(err ?? new Error('not a split raw answer'));
            resolve({
              head: latin1.decode(res.raw),
              tail: latin1.decode(res.rawTail.subarray(res.rawTailFrom, res.rawTailTo)),
              kept: latin1.decode(detach(res).body as Uint8Array),
            });
          },
        }),
      );
      expect(got.head).toBe(`HTTP/1.1 200 OK\r\n${head}`);
      expect(got.tail).toBe(tail);
      expect(got.kept).toBe(big);
      // The connection is in sync: the next request on it gets its whole answer.
      expect((await sendOnce(client, u.origin, req())).status).toBe(200);
      expect(u.accepted()).toBe(1);
      client.close();
    },
  );

  test('a head whose Connection names other headers is parsed: no raw, the headers without them, the body as bytes', async () => {
    const u = serve(
      () =>
        'HTTP/1.1 200 OK\r\nConnection: X-B\r\nX-B: secret\r\nKeep-Alive: timeout=5\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nok',
    );
    const client = createUpstreamClient();
    const { res, raw } = await sendOnce(client, u.origin, req());
    expect(raw).toBeNull();
    expect(res.headers).toEqual([['x-a', '1']]);
    expect(latin1.decode(res.body as Uint8Array)).toBe('ok');
    client.close();
  });

  test('a HEAD answer is raw with its Content-Length and no body', async () => {
    const u = serve(() => 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n');
    const client = createUpstreamClient();
    const { raw } = await sendOnce(client, u.origin, req({ method: 'HEAD' }));
    expect(raw).toBe('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n');
    // The connection is in sync: the next request on it gets its own answer.
    expect((await sendOnce(client, u.origin, req({ method: 'HEAD' }))).status).toBe(200);
    expect(u.accepted()).toBe(1);
    client.close();
  });

  test('a chunked response complete in one read comes raw with relayChunked, framing checked and kept; detach decodes it; without relayChunked it is decoded', async () => {
    const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n3\r\n!!!\r\n0\r\n\r\n';
    const u = serve(() => chunked);
    const client = createUpstreamClient();
    const { raw } = await sendOnce(client, u.origin, req({ relayChunked: true }));
    expect(raw).toBe(chunked);
    const kept = await requestUpstream(client, u.origin, req({ relayChunked: true }));
    expect(latin1.decode(kept.body as Uint8Array)).toBe('ok!!!');
    // Without relayChunked (an HTTP/1.0 client, say) the body comes decoded, never chunk-framed.
    const plain = await sendOnce(client, u.origin, req());
    expect(plain.raw).toBeNull();
    expect(latin1.decode(plain.res.body as Uint8Array)).toBe('ok!!!');
    expect(plain.res.headers).toEqual([]);
    expect(u.accepted()).toBe(1);
    client.close();
  });

  test('a chunked response split over reads streams its decoded payload', async () => {
    const u = serve(
      () => 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n3\r\n!!!\r\n0\r\n\r\n',
      8,
    );
    const client = createUpstreamClient();
    const { res, raw } = await sendOnce(client, u.origin, req());
    expect(raw).toBeNull();
    expect(await new Response(res.body as ReadableStream).text()).toBe('ok!!!');
    client.close();
  });

  test('a raw request head is sent as it is; a passed-through Host is not doubled', async () => {
    const u = serve(() => clean);
    const client = createUpstreamClient();
    const rawHead = new TextEncoder().encode(
      'GET /raw HTTP/1.1\r\nHost: front:80\r\nx-forwarded-proto: http\r\n\r\n',
    );
    await sendOnce(client, u.origin, req({ rawHead }));
    await sendOnce(client, u.origin, req({ hasHost: true, head: 'host: front:80\r\n' }));
    expect(u.got).toEqual([
      'GET /raw HTTP/1.1\r\nHost: front:80\r\nx-forwarded-proto: http\r\n\r\n',
      'GET /t HTTP/1.1\r\nhost: front:80\r\n\r\n',
    ]);
    client.close();
  });

  test('requestUpstream and detach give a response that can be kept', async () => {
    const u = serve(() => clean);
    const client = createUpstreamClient();
    const res = await requestUpstream(client, u.origin, req());
    expect(res.raw).toBeUndefined();
    expect(res.headers).toEqual([['content-type', 'text/plain']]);
    expect(latin1.decode(res.body as Uint8Array)).toBe('hello');
    const plain = { status: 204, statusText: '', headers: [], body: null };
    expect(detach(plain)).toBe(plain);
    client.close();
  });

  test('a throwing callback is reported and the client keeps working', async () => {
    const u = serve(() => clean);
    const errors: unknown[] = [];
    const client = createUpstreamClient({ onCallbackError: (e) => errors.push(e) });
    client.send(
      u.origin,
      req({
        onAnswer() {
          throw new Error('boom');
        },
      }),
    );
    const { raw } = await sendOnce(client, u.origin, req());
    expect(raw).toBe(clean);
    expect(String(errors[0])).toContain('boom');
    client.close();
  });
});

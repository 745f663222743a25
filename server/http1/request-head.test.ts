import { describe, expect, test } from 'bun:test';
import {
  BadRequestHead,
  headerFields,
  headerValue,
  parseRequestHead,
  type RequestHead,
  scanResume,
} from './request-head.ts';
import { requestHeadEnd } from './request-line.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('parseRequestHead', () => {
  test('a GET head gives method, target, header offsets (decoded on demand) and the body offset', () => {
    const raw = 'GET /a?b=1 HTTP/1.1\r\nHost: x:1\r\nX-Thing:  v \r\n\r\nNEXT';
    const buf = bytes(raw);
    const head = parseRequestHead(buf);
    expect(head).toEqual({
      method: 'GET',
      target: '/a?b=1',
      authority: '',
      http11: true,
      // Per header: line start, colon, value start, value end (trimmed).
      fields: [21, 25, 27, 30, 32, 39, 42, 43],
      dropped: [],
      decode: false,
      headEnd: 46,
      host: 0,
      rewrite: false,
      contentLength: -1,
      transferEncoding: false,
      special: false,
      keepAlive: true,
      bodyStart: raw.length - 4,
    });
    expect(headerFields(buf, head as RequestHead)).toEqual([
      ['host', 'x:1'],
      ['x-thing', 'v'],
    ]);
    expect(headerValue(buf, head as RequestHead, 'x-thing')).toBe('v');
    expect(headerValue(buf, head as RequestHead, 'cookie')).toBeUndefined();
  });

  test.each([
    ['GET / HTTP/1.1\r\nAccept: a\r\n\r\n', false],
    ['GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n', true],
    ['GET / HTTP/1.1\r\nX-Forwarded-For: 1.1.1.1\r\n\r\n', true],
    ['GET / HTTP/1.1\r\nx-forwarded-host: h\r\n\r\n', true],
    ['GET / HTTP/1.1\r\nTE: trailers\r\n\r\n', true],
    ['GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n', true],
    ['GET / HTTP/1.1\r\nProxy-Authorization: x\r\n\r\n', true],
  ])('%j: rewrite %p', (raw, rewrite) => {
    expect(parseRequestHead(bytes(raw))?.rewrite).toBe(rewrite);
  });

  test('methods other than GET and HEAD are decoded; a head without headers parses', () => {
    const h = parseRequestHead(bytes('PATCH /p HTTP/1.0\r\n\r\n'));
    expect([h?.method, h?.target, h?.http11, h?.fields, h?.headEnd, h?.host]).toEqual([
      'PATCH',
      '/p',
      false,
      [],
      19,
      -1,
    ]);
  });

  test('a head parsed into an earlier one reuses it and its fields array, leaving nothing of the old one', () => {
    const first = parseRequestHead(
      bytes('POST /a HTTP/1.0\r\nHost: h\r\nContent-Length: 3\r\nX: y\r\n\r\nabc'),
    );
    const fields = first?.fields;
    const second = parseRequestHead(bytes('GET /b HTTP/1.1\r\nAccept: a\r\n\r\n'), first ?? undefined);
    expect(second).toBe(first);
    expect(second?.fields).toBe(fields);
    expect(second).toEqual({
      method: 'GET',
      target: '/b',
      authority: '',
      http11: true,
      fields: [17, 23, 25, 26],
      dropped: [],
      decode: false,
      headEnd: 28,
      host: -1,
      rewrite: false,
      contentLength: -1,
      transferEncoding: false,
      special: false,
      keepAlive: true,
      bodyStart: 30,
    });
  });

  test('an incomplete head gives null', () => {
    expect(parseRequestHead(bytes('GET / HTTP/1.1\r\nHost: x\r\n'))).toBeNull();
  });

  test.each([
    ['GET / HTTP/1.1\r\nConnection: close\r\n\r\n', true, false],
    ['GET / HTTP/1.0\r\n\r\n', false, false],
    ['GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n', false, true],
    ['GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n', true, true],
    ['GET / HTTP/1.1\r\nConnection: CLOSE\r\n\r\n', true, false],
    ['GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n', true, false],
    ['GET / HTTP/1.1\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n', true, false],
    ['GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', false, true],
    ['GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n', false, false],
    ['GET / HTTP/1.1\r\nConnection: closed\r\n\r\n', true, true],
  ])('%j: HTTP/1.1 %p, keep-alive %p', (raw, http11, keepAlive) => {
    const h = parseRequestHead(bytes(raw));
    expect(h?.http11).toBe(http11);
    expect(h?.keepAlive).toBe(keepAlive);
  });

  test('body framing, Upgrade and Expect are noted for the fast-path decision', () => {
    const te = parseRequestHead(bytes('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'));
    expect(te?.transferEncoding).toBe(true);
    expect(parseRequestHead(bytes('POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n'))?.contentLength).toBe(12);
    expect(parseRequestHead(bytes('POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n'))?.special).toBe(true);
    expect(parseRequestHead(bytes('GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n'))?.special).toBe(true);
  });

  test.each([
    ['GARBAGE\r\n\r\n', 400],
    ['GET /\r\n\r\n', 400],
    ['G(T / HTTP/1.1\r\n\r\n', 400],
    ['GET / HTTP/2.0\r\n\r\n', 505],
    ['GET / HTTP/1.1\r\nno colon\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nBad Name: v\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nX: a\nb\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nX: a\0b\r\n\r\n', 400],
    ['GET /a\nb HTTP/1.1\r\n\r\n', 400],
    ['GET /a b HTTP/1.1\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\n folded: v\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 400],
    [`GET / HTTP/1.1\r\nX: ${'a'.repeat(70 * 1024)}\r\n\r\n`, 431],
    [`GET / HTTP/1.1\r\nX: ${'a'.repeat(70 * 1024)}`, 431],
    ['GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost: a b\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost: u@h\r\n\r\n', 400],
    ['GET /\x01 HTTP/1.1\r\n\r\n', 400],
    ['GET /\x7f HTTP/1.1\r\n\r\n', 400],
    ['GET /\xe9 HTTP/1.1\r\n\r\n', 400],
    ['GET /a#frag HTTP/1.1\r\n\r\n', 400],
    ['GET /\tx HTTP/1.1\r\n\r\n', 400],
    ['GET a/b HTTP/1.1\r\n\r\n', 400],
    ['GET * HTTP/1.1\r\n\r\n', 400],
    ['GET ftp://h/x HTTP/1.1\r\n\r\n', 400],
    ['GET http://u@h/x HTTP/1.1\r\n\r\n', 400],
    ['GET http:///x HTTP/1.1\r\n\r\n', 400],
    ['GET http://:80/x HTTP/1.1\r\n\r\n', 400],
    ['GET http:/h/x HTTP/1.1\r\n\r\n', 400],
    ['CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n', 405],
    ['GET / HTTP/1.1\nHost: x\n\n', 400],
    ['GET / HTTP/1.1\nHost: x', 400],
    ['GET / HTTP/1.1\r\nHost: x\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost: x\r\n\rX', 400],
    ['GET / HTTP/1.1\rHost: x\r\n\r\n', 400],
  ])('%#: a bad head is refused with status %d', (raw, status) => {
    let err: unknown;
    try {
      parseRequestHead(bytes(raw));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadRequestHead);
    expect((err as BadRequestHead).status).toBe(status as 400);
  });

  test('CONNECT is refused with 405 and an Allow header naming the other methods', () => {
    let err: BadRequestHead | undefined;
    try {
      parseRequestHead(bytes('CONNECT h:443 HTTP/1.1\r\n\r\n'));
    } catch (e) {
      err = e as BadRequestHead;
    }
    expect([err?.status, err?.code]).toEqual([405, 'method_not_allowed']);
    expect(err?.headers).toEqual([['allow', 'GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, PATCH']]);
  });

  test.each([
    ['http://app.example:8080/p?q=1', '/p?q=1', 'app.example:8080'],
    ['HTTPS://App.Example/p', '/p', 'App.Example'],
    ['http://app.example', '/', 'app.example'],
    ['http://app.example?q', '/?q', 'app.example'],
    ['http://[::1]:80/x', '/x', '[::1]:80'],
  ])('absolute-form %s goes upstream as %s with Host %s (RFC 9112 §3.2.2)', (target, origin, authority) => {
    const buf = bytes(`GET ${target} HTTP/1.1\r\nHost: client.example\r\nX: y\r\n\r\n`);
    const h = parseRequestHead(buf) as RequestHead;
    expect([h.target, h.authority, h.rewrite]).toEqual([origin, authority, true]);
    expect(headerFields(buf, h)).toEqual([
      ['host', authority],
      ['x', 'y'],
    ]);
    expect(headerValue(buf, h, 'host')).toBe(authority);
  });

  test('an absolute-form request without a Host header gets its authority as the Host, first', () => {
    const buf = bytes('GET http://a.example/x HTTP/1.0\r\nX: y\r\n\r\n');
    const h = parseRequestHead(buf) as RequestHead;
    expect(headerFields(buf, h)).toEqual([
      ['host', 'a.example'],
      ['x', 'y'],
    ]);
  });

  test('OPTIONS * (asterisk-form) parses; an empty Host value is valid (RFC 9110 §7.2)', () => {
    expect(parseRequestHead(bytes('OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n'))?.target).toBe('*');
    expect(parseRequestHead(bytes('GET / HTTP/1.1\r\nHost:\r\n\r\n'))?.host).toBe(0);
  });

  test('a head split anywhere is null until complete, then parses the same', () => {
    const raw = 'GET /s HTTP/1.1\r\nHost: x\r\nX: y\r\n\r\n';
    for (let i = 1; i < raw.length; i++) expect(parseRequestHead(bytes(raw.slice(0, i)))).toBeNull();
    expect(parseRequestHead(bytes(raw))?.target).toBe('/s');
  });
});

describe('requestHeadEnd resumed (a head arriving in pieces)', () => {
  const raw = 'GET / HTTP/1.1\r\nHost: h\r\nA: b\r\n\r\nNEXT';
  test.each(Array.from({ length: raw.length - 4 }, (_, cut) => cut + 1))(
    'cut after %d bytes: the resumed scan finds the same end as a whole one',
    (cut) => {
      const first = bytes(raw.slice(0, cut));
      const whole = bytes(raw);
      const end = requestHeadEnd(whole);
      if (requestHeadEnd(first) >= 0) return; // already complete in the first piece
      expect(requestHeadEnd(whole, scanResume(first.byteLength))).toBe(end);
    },
  );

  test('a bare LF right at the resume point is still refused', () => {
    const first = 'GET / HTTP/1.1\r\nHost: h';
    expect(requestHeadEnd(bytes(first))).toBe(-1);
    expect(() => requestHeadEnd(bytes(`${first}\nA: b\r\n\r\n`), scanResume(first.length))).toThrow(
      BadRequestHead,
    );
  });
});

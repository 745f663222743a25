import { describe, expect, test } from 'bun:test';
import { bodyFraming, ChunkedDecoder, parseResponseHead, scanResponseHead } from './http1.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('parseResponseHead', () => {
  test('a complete head gives status, reason, lower-cased end-to-end headers and the body offset', () => {
    const raw = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhello';
    const h = parseResponseHead(bytes(raw));
    expect(h).toEqual({
      status: 200,
      statusText: 'OK',
      headers: [
        ['content-type', 'text/plain'],
        ['x-a', 'b'],
      ],
      contentLength: 5,
      chunked: false,
      keepAlive: true,
      bodyStart: raw.length - 5,
    });
  });

  test('an incomplete head gives null', () => {
    expect(parseResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n'))).toBeNull();
  });

  test.each([
    ['HTTP/1.1 204\r\n\r\n', 204, ''],
    ['HTTP/1.1 404 Not Found\r\n\r\n', 404, 'Not Found'],
    ['HTTP/1.0 500 Internal Server Error\r\n\r\n', 500, 'Internal Server Error'],
    ['HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n', 101, 'Switching Protocols'],
  ])('status line %j gives status %d and reason %j', (raw, status, reason) => {
    const h = parseResponseHead(bytes(raw));
    expect(h?.status).toBe(status);
    expect(h?.statusText).toBe(reason);
  });

  test.each([
    ['HTTP/2 200 OK\r\n\r\n'],
    ['HTTP/1.1 20 OK\r\n\r\n'],
    ['HTTP/1.1 2000 OK\r\n\r\n'],
    ['HTTP/1.1 abc OK\r\n\r\n'],
    ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n'],
    ['HTTP/1.1 200 OK\r\n: empty name\r\n\r\n'],
    ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n'],
  ])('malformed head %j throws', (raw) => {
    expect(() => parseResponseHead(bytes(raw))).toThrow();
  });

  test('hop-by-hop headers and those named in Connection are dropped; Connection: close ends keep-alive', () => {
    const raw =
      'HTTP/1.1 200 OK\r\nConnection: close, X-Private\r\nKeep-Alive: timeout=5\r\nX-Private: 1\r\nX-Public: 2\r\n\r\n';
    const h = parseResponseHead(bytes(raw));
    expect(h?.headers).toEqual([['x-public', '2']]);
    expect(h?.keepAlive).toBe(false);
  });

  test('HTTP/1.0 keeps the connection only with Connection: keep-alive', () => {
    expect(parseResponseHead(bytes('HTTP/1.0 200 OK\r\n\r\n'))?.keepAlive).toBe(false);
    expect(parseResponseHead(bytes('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n'))?.keepAlive).toBe(
      true,
    );
  });

  test('a chunked response has no content length and chunked framing', () => {
    const h = parseResponseHead(
      bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n'),
    );
    expect(h?.chunked).toBe(true);
    expect(h?.contentLength).toBe(-1);
    expect(h && bodyFraming(h, 'GET')).toBe('chunked');
  });
});

describe('bodyFraming', () => {
  test.each([
    ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n', 'GET', 'length'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 'GET', 'none'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n', 'HEAD', 'none'],
    ['HTTP/1.1 304 Not Modified\r\n\r\n', 'GET', 'none'],
    ['HTTP/1.1 200 OK\r\n\r\n', 'GET', 'close'],
  ])('%j answering %s is framed as %s', (raw, method, framing) => {
    const h = parseResponseHead(bytes(raw));
    expect(h && bodyFraming(h, method)).toBe(framing as ReturnType<typeof bodyFraming>);
  });
});

describe('ChunkedDecoder', () => {
  test('a body split at every byte decodes to the same payload and ends past the trailers', () => {
    const raw = bytes('5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-T: 1\r\n\r\n');
    const d = new ChunkedDecoder();
    const out: number[] = [];
    let end = -1;
    for (let i = 0; i < raw.length; i++) end = d.push(raw.subarray(i, i + 1), (p) => out.push(...p));
    expect(new TextDecoder().decode(new Uint8Array(out))).toBe('hello, world');
    expect(end).toBe(1);
    expect(d.done).toBe(true);
  });
});

describe('scanResponseHead', () => {
  test('a clean HTTP/1.1 head gives status, length and the body offset', () => {
    const raw = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-LENGTH:  5 \r\n\r\nhello';
    expect(scanResponseHead(bytes(raw))).toEqual({
      status: 200,
      contentLength: 5,
      clean: true,
      keepAlive: true,
      drop: [],
      bodyStart: raw.length - 5,
    });
  });

  test('an incomplete head gives null', () => {
    expect(scanResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n'))).toBeNull();
  });

  test.each([
    ['Connection: keep-alive', true],
    ['connection:  Close ', false],
    ['Keep-Alive: timeout=5', true],
    ['TE: trailers', true],
    ['Trailer: x', true],
    ['Upgrade: h2c', true],
    ['Proxy-Connection: close', true],
    ['Proxy-Authenticate: Basic', true],
  ])('a %s line is listed to be cut; the head stays forwardable (keep-alive %p)', (line, keepAlive) => {
    const scan = scanResponseHead(bytes(`HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`));
    expect(scan?.clean).toBe(true);
    expect(scan?.keepAlive).toBe(keepAlive);
    expect(scan?.drop).toEqual([17, 17 + line.length + 2]);
  });

  test.each([
    ['Transfer-Encoding: chunked', 'the body framing changes'],
    ['Connection: X-Secret', 'Connection names another header'],
    ['Connection: keep-alive, Upgrade', 'Connection lists several tokens'],
  ])('a %s header makes it unclean: %s (the full parser rewrites the head)', (line) => {
    expect(scanResponseHead(bytes(`HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`))?.clean).toBe(
      false,
    );
  });

  test.each([
    ['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', 'HTTP/1.0'],
    ['HTTP/2 200 OK\r\n\r\n', 'another version'],
    ['HTTP/1.1 2x0 OK\r\n\r\n', 'a bad status'],
    ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', 'a malformed header line'],
  ])('%j is not clean (%s)', (raw) => {
    expect(scanResponseHead(bytes(raw))?.clean).toBe(false);
  });

  test('a head without headers and one without Content-Length scan', () => {
    expect(scanResponseHead(bytes('HTTP/1.1 204\r\n\r\n'))).toEqual({
      status: 204,
      contentLength: -1,
      clean: true,
      keepAlive: true,
      drop: [],
      bodyStart: 16,
    });
  });

  test.each([['Content-Length: 5x'], ['Content-Length: -1'], ['Content-Length: 1\r\nContent-Length: 2']])(
    '%j throws',
    (line) => {
      expect(() => scanResponseHead(bytes(`HTTP/1.1 200 OK\r\n${line}\r\n\r\n`))).toThrow('content-length');
    },
  );

  test('agrees with parseResponseHead on status, length and body offset for clean heads', () => {
    for (const raw of [
      'HTTP/1.1 200 OK\r\nContent-Length: 12\r\nDate: x\r\n\r\nhello, world',
      'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 302 Found\r\nLocation: /a\r\n\r\n',
    ]) {
      const a = scanResponseHead(bytes(raw));
      const b = parseResponseHead(bytes(raw));
      expect([a?.status, a?.contentLength, a?.bodyStart]).toEqual([
        b?.status,
        b?.contentLength,
        b?.bodyStart,
      ]);
    }
  });
});

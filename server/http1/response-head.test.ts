import { describe, expect, test } from 'bun:test';
import { BadResponse, bodyFraming, MAX_RESPONSE_HEAD_BYTES, scanResponseHead } from './response-head.ts';
import { parseResponseHead } from './response-text.ts';

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

describe('scanResponseHead', () => {
  test('a clean HTTP/1.1 head gives status, length and the body offset', () => {
    const raw = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-LENGTH:  5 \r\n\r\nhello';
    expect(scanResponseHead(bytes(raw))).toEqual({
      status: 200,
      contentLength: 5,
      chunked: false,
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
    ['Connection: X-Secret', 'Connection names another header'],
    ['Connection: keep-alive, Upgrade', 'Connection lists several tokens'],
  ])('a %s header makes it unclean: %s (the full parser rewrites the head)', (line) => {
    expect(scanResponseHead(bytes(`HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`))?.clean).toBe(
      false,
    );
  });

  test.each([
    ['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', 'HTTP/1.0'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n', 'TE with CL'],
    ['HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n', 'TE on a 204'],
  ])('%j is not clean (%s)', (raw) => {
    expect(scanResponseHead(bytes(raw))?.clean).toBe(false);
  });

  test('a head without headers and one without Content-Length scan', () => {
    expect(scanResponseHead(bytes('HTTP/1.1 204\r\n\r\n'))).toEqual({
      status: 204,
      contentLength: -1,
      chunked: false,
      clean: true,
      keepAlive: true,
      drop: [],
      bodyStart: 16,
    });
  });

  test.each([['Content-Length: 5x'], ['Content-Length: -1'], ['Content-Length: 1\r\nContent-Length: 2']])(
    '%j throws',
    (line) => {
      expect(() => scanResponseHead(bytes(`HTTP/1.1 200 OK\r\n${line}\r\n\r\n`))).toThrow('Content-Length');
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

describe('scanResponseHead is strict (issue 10, defect 4)', () => {
  const head = (line: string) => `HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`;
  test.each([
    ['two equal Content-Length lines', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n'],
    ['a Content-Length list', 'HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n'],
    ['Content-Length: 0x5', 'HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\n'],
    ['Content-Length: +5', 'HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n'],
    ['an empty Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n'],
    ['a 16-digit Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456\r\n\r\n'],
    ['Transfer-Encoding: gzip', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n'],
    ['Transfer-Encoding: gzip, chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'],
    ['Transfer-Encoding: chunked, gzip', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n'],
    ['chunked twice', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['an empty Transfer-Encoding', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n'],
    ['a space before the colon', head('X-A : b')],
    ['a tab before the colon', head('X-A\t: b')],
    ['an obs-fold line', head('X-A: a\r\n b')],
    ['a NUL in a value', head('X-A: a\0b')],
    ['a bare LF in a value', head('X-A: a\nb')],
    ['a bare CR in a value', head('X-A: a\rb')],
    ['a DEL in a value', head('X-A: a\x7fb')],
    ['a bad byte in a name', head('X(A): b')],
    ['an empty name', head(': b')],
    ['no colon', head('no colon here')],
    ['HTTP/2', 'HTTP/2 200 OK\r\n\r\n'],
    ['HTTP/1.2', 'HTTP/1.2 200 OK\r\n\r\n'],
    ['lower-case http', 'http/1.1 200 OK\r\n\r\n'],
    ['a two-digit status', 'HTTP/1.1 20 OK\r\n\r\n'],
    ['a status under 100', 'HTTP/1.1 099 Odd\r\n\r\n'],
    ['a letter in the status', 'HTTP/1.1 2x0 OK\r\n\r\n'],
    ['no space after the status', 'HTTP/1.1 200OK\r\n\r\n'],
    ['a control byte in the reason', 'HTTP/1.1 200 O\x01K\r\n\r\n'],
    ['a bare CR in the status line', 'HTTP/1.1 200 O\rK\r\n\r\n'],
    ['bare LF line ends', 'HTTP/1.1 200 OK\nContent-Length: 0\n\n'],
    ['a bare LF field line', 'HTTP/1.1 200 OK\r\nX-A: 1\n'],
    ['101 fields', `HTTP/1.1 200 OK\r\n${'X-A: 1\r\n'.repeat(101)}\r\n`],
  ])('%s throws BadResponse', (_name, raw) => {
    expect(() => scanResponseHead(bytes(raw))).toThrow(BadResponse);
    expect(() => parseResponseHead(bytes(raw))).toThrow(BadResponse);
  });

  test('the 64 KiB limit applies to a complete head and to an incomplete one', () => {
    const big = `HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(MAX_RESPONSE_HEAD_BYTES)}\r\n`;
    expect(() => scanResponseHead(bytes(`${big}\r\n`))).toThrow(BadResponse);
    expect(() => scanResponseHead(bytes(big))).toThrow(BadResponse);
    const fits = `HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(MAX_RESPONSE_HEAD_BYTES - 100)}\r\n\r\n`;
    expect(scanResponseHead(bytes(fits))?.clean).toBe(true);
  });

  test.each([
    ['HTTP/1.1 200\r\n\r\n', 200, 'no reason and no space after the status (as HAProxy)'],
    ['HTTP/1.1 200 \r\n\r\n', 200, 'an empty reason'],
    ['HTTP/1.1 599 Custom \t reason\r\n\r\n', 599, 'a reason with blanks'],
    ['HTTP/1.1 200 OK\r\nX-A:\r\n\r\n', 200, 'an empty value'],
    ['HTTP/1.1 200 OK\r\nX-A: caf\xe9\r\n\r\n', 200, 'obs-text in a value'],
  ])('%j is accepted (%s)', (raw, status) => {
    expect(scanResponseHead(bytes(raw))?.status).toBe(status);
  });

  test('chunked alone is clean; with Content-Length it wins, CL is dropped and the connection not reused', () => {
    const alone = scanResponseHead(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n'));
    expect([alone?.chunked, alone?.clean, alone?.keepAlive, alone?.drop]).toEqual([true, true, true, []]);
    const both = scanResponseHead(
      bytes('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'),
    );
    expect([both?.chunked, both?.contentLength, both?.clean, both?.keepAlive]).toEqual([
      true,
      -1,
      false,
      false,
    ]);
    const parsed = parseResponseHead(
      bytes('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n'),
    );
    expect(parsed?.headers).toEqual([['x-a', '1']]);
  });

  test('an HTTP/1.0 answer with Transfer-Encoding is chunked but never reused', () => {
    const s = scanResponseHead(
      bytes('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n'),
    );
    expect([s?.chunked, s?.keepAlive]).toEqual([true, false]);
  });
});

/** The upstream request head spliced from the client's bytes. */
import { describe, expect, test } from 'bun:test';
import { forwardedHead } from './header-rules.ts';
import { headerFields, parseRequestHead, type RequestHead } from './request-head.ts';
import { splicedRequestHead } from './spliced-head.ts';

describe('splicedRequestHead', () => {
  const latin1 = new TextDecoder('latin1');
  const spliced = (raw: string, ip = '10.0.0.9') => {
    const buf = new Uint8Array(Buffer.from(raw, 'latin1'));
    const head = parseRequestHead(buf) as RequestHead;
    const out = splicedRequestHead(buf, head, ip, 'http');
    return out ? latin1.decode(out) : null;
  };

  test('a plain head is copied as it came, then the X-Forwarded-* lines', () => {
    expect(spliced('GET /a?b=1 HTTP/1.1\r\nHost: shop:80\r\nAccept: */*\r\n\r\n')).toBe(
      'GET /a?b=1 HTTP/1.1\r\nHost: shop:80\r\nAccept: */*\r\n' +
        'x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: shop:80\r\n\r\n',
    );
  });

  test('hop-by-hop lines, those Connection names and client X-Forwarded-* are cut; the chain is appended to', () => {
    const out = spliced(
      'GET / HTTP/1.1\r\nConnection: keep-alive, X-Secret\r\nHost: h\r\nX-Secret: 1\r\nKeep-Alive: 5\r\n' +
        'X-Forwarded-For: 1.1.1.1\r\nX-Forwarded-Host: evil\r\nX-Forwarded-Proto: https\r\nAccept: a\r\n\r\n',
    );
    expect(out).toBe(
      'GET / HTTP/1.1\r\nHost: h\r\nAccept: a\r\n' +
        'x-forwarded-for: 1.1.1.1, 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: h\r\n\r\n',
    );
  });

  test('keeps the same lines as forwardedHead (the header-line path), byte for byte', () => {
    const raw = 'GET /x HTTP/1.1\r\nHost: h\r\nTE: trailers\r\nCookie: a=1\r\nContent-Length: 0\r\n\r\n';
    const buf = new Uint8Array(Buffer.from(raw, 'latin1'));
    const head = parseRequestHead(buf) as RequestHead;
    const lines = forwardedHead(headerFields(buf, head), '10.0.0.9', 'http');
    expect(spliced(raw)?.toLowerCase()).toBe(`get /x http/1.1\r\n${lines}\r\n`.toLowerCase());
  });

  test('no Host, or HTTP/1.0: null (the upstream client adds the Host itself)', () => {
    expect(spliced('GET / HTTP/1.1\r\nAccept: a\r\n\r\n')).toBeNull();
    expect(spliced('GET / HTTP/1.0\r\nHost: h\r\n\r\n')).toBeNull();
  });

  test('an absolute-form head goes out in origin-form with the authority as its one Host', () => {
    expect(spliced('GET http://app:81/p?q HTTP/1.1\r\nAccept: a\r\nHost: other\r\nX: 1\r\n\r\n')).toBe(
      'GET /p?q HTTP/1.1\r\nhost: app:81\r\nAccept: a\r\nX: 1\r\n' +
        'x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: app:81\r\n\r\n',
    );
    expect(spliced('GET http://app/ HTTP/1.1\r\nAccept: a\r\n\r\n')).toBe(
      'GET / HTTP/1.1\r\nhost: app\r\nAccept: a\r\n' +
        'x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: app\r\n\r\n',
    );
  });

  test.each([
    ['Connection: host', 'Connection: host\r\n'],
    ['Connection: Host, X-Gone', 'Connection: Host, X-Gone\r\nX-Gone: 1\r\n'],
  ])('%s never drops the Host line', (_name, lines) => {
    const out = spliced(`GET / HTTP/1.1\r\n${lines}Host: h\r\nAccept: a\r\n\r\n`);
    expect(out).toBe(
      'GET / HTTP/1.1\r\nHost: h\r\nAccept: a\r\n' +
        'x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: h\r\n\r\n',
    );
  });

  test('latin1 bytes in a header value are copied unchanged', () => {
    expect(spliced('GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\xe9\r\n\r\n')).toContain('X-Name: caf\xe9\r\n');
  });
});

describe('splicedRequestHead without decoding names', () => {
  const latin1 = new TextDecoder('latin1');
  const parse = (raw: string) => {
    const buf = new Uint8Array(Buffer.from(raw, 'latin1'));
    return { buf, head: parseRequestHead(buf) as RequestHead };
  };

  test.each([
    ['Connection: close\r\nHost: h\r\nAccept: a\r\n', 'Host: h\r\nAccept: a\r\n'],
    [
      'Host: h\r\nKeep-Alive: 5\r\nConnection: keep-alive\r\nTE: x\r\nAccept: a\r\n',
      'Host: h\r\nAccept: a\r\n',
    ],
    ['Host: h\r\nAccept: a\r\nConnection: Close\r\n', 'Host: h\r\nAccept: a\r\n'],
    ['X-Forwarded-Proto: https\r\nHost: h\r\nX-Forwarded-Host: evil\r\n', 'Host: h\r\n'],
  ])('%j: the hop-by-hop lines are cut from the bytes as sent', (lines, kept) => {
    const { buf, head } = parse(`GET /a HTTP/1.1\r\n${lines}\r\n`);
    expect(head.decode).toBe(false);
    const out = splicedRequestHead(buf, head, '10.0.0.9', 'http');
    expect(latin1.decode(out as Uint8Array)).toBe(
      `GET /a HTTP/1.1\r\n${kept}x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: h\r\n\r\n`,
    );
  });

  test('a Content-Length body gets its framing line and room for the body after the head', () => {
    const { buf, head } = parse('POST /e HTTP/1.1\r\nContent-Length: 3\r\nHost: h\r\n\r\nabc');
    const out = splicedRequestHead(buf, head, '', 'http', undefined, 3) as Uint8Array;
    const headText =
      'POST /e HTTP/1.1\r\nHost: h\r\nx-forwarded-proto: http\r\nx-forwarded-host: h\r\ncontent-length: 3\r\n\r\n';
    expect(out.byteLength).toBe(headText.length + 3);
    expect(latin1.decode(out.subarray(0, headText.length))).toBe(headText);
  });

  test('a body with names to decode gets null (header lines are built instead)', () => {
    const { buf, head } = parse(
      'POST / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.1.1.1\r\nContent-Length: 3\r\n\r\n',
    );
    expect(head.decode).toBe(true);
    expect(splicedRequestHead(buf, head, '', 'http', undefined, 3)).toBeNull();
  });
});

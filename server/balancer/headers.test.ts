/** Proxy header rewriting. */
import { describe, expect, test } from 'bun:test';
import {
  clientResponseHeaders,
  connectionNamed,
  forwardedHead,
  MAX_CONTROL_BODY_BYTES,
  oneShotRequest,
  originFormRequest,
  pathAndQuery,
  pathOnly,
  splicedRequestHead,
  upstreamRequestHeaders,
  withConnectionClose,
} from './headers.ts';
import { BadRequestHead, headerFields, parseRequestHead, type RequestHead } from './request-head.ts';

describe('upstreamRequestHeaders', () => {
  test('hop-by-hop headers and those named in Connection are removed', () => {
    const h = upstreamRequestHeaders(
      new Headers({
        connection: 'keep-alive, x-secret',
        'keep-alive': 'timeout=5',
        'x-secret': '1',
        te: 'trailers',
        accept: 'text/plain',
      }),
      '10.0.0.1',
      'http',
    );
    expect(h.get('connection')).toBeNull();
    expect(h.get('keep-alive')).toBeNull();
    expect(h.get('x-secret')).toBeNull();
    expect(h.get('te')).toBeNull();
    expect(h.get('accept')).toBe('text/plain');
  });

  test('X-Forwarded-For is appended to an existing chain', () => {
    const h = upstreamRequestHeaders(new Headers({ 'x-forwarded-for': '1.1.1.1' }), '127.0.0.1', 'http');
    expect(h.get('x-forwarded-for')).toBe('1.1.1.1, 127.0.0.1');
  });

  test('X-Forwarded-Proto and -Host are set and Host is left for fetch', () => {
    const h = upstreamRequestHeaders(
      new Headers({ host: 'zone1.example:8001', 'x-forwarded-proto': 'https' }),
      '127.0.0.1',
      'http',
    );
    expect(h.get('x-forwarded-proto')).toBe('http');
    expect(h.get('x-forwarded-host')).toBe('zone1.example:8001');
    expect(h.get('host')).toBeNull();
  });
});

describe('clientResponseHeaders', () => {
  test('removes transfer-encoding and connection but keeps content headers', () => {
    const h = clientResponseHeaders(
      new Headers({
        'transfer-encoding': 'chunked',
        connection: 'close',
        'content-type': 'text/event-stream',
      }),
    );
    expect([...h.keys()]).toEqual(['content-type']);
  });
});

describe('pathAndQuery / pathOnly', () => {
  const cases: [string, string, string][] = [
    ['http://127.0.0.1:8001/work?ms=5', '/work?ms=5', '/work'],
    ['http://127.0.0.1:8001/', '/', '/'],
    ['http://127.0.0.1:8001', '/', '/'],
    ['http://h/servers?x=/y', '/servers?x=/y', '/servers'],
  ];
  for (const [url, pq, p] of cases) {
    test(`${url} has path+query ${pq} and path ${p}`, () => {
      expect(pathAndQuery(url)).toBe(pq);
      expect(pathOnly(url)).toBe(p);
    });
  }
});

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

describe('Connection never names Host', () => {
  test('connectionNamed lists the named headers, lower-case, less host', () => {
    expect([...connectionNamed(' Keep-Alive, HOST ,X-A,,close')]).toEqual(['keep-alive', 'x-a', 'close']);
  });

  test('forwardedHead and upstreamRequestHeaders keep Host against Connection: host', () => {
    const src: [string, string][] = [
      ['host', 'h'],
      ['connection', 'host, x-a'],
      ['x-a', '1'],
    ];
    expect(forwardedHead(src, '', 'http')).toBe(
      'host: h\r\nx-forwarded-proto: http\r\nx-forwarded-host: h\r\n',
    );
    const h = upstreamRequestHeaders(new Headers(src), '', 'http');
    expect(h.get('x-forwarded-host')).toBe('h');
    expect(h.get('x-a')).toBeNull();
  });
});

describe('originFormRequest (the tunnel into Bun.serve)', () => {
  const latin1 = new TextDecoder('latin1');
  const rewrite = (raw: string) => {
    const buf = new Uint8Array(Buffer.from(raw, 'latin1'));
    return latin1.decode(originFormRequest(buf, parseRequestHead(buf) as RequestHead));
  };

  test('an absolute-form request gets an origin-form line and one Host; framing and body stay', () => {
    expect(
      rewrite(
        'POST http://app:81/p HTTP/1.1\r\nHost: other\r\nContent-Length: 2\r\n\r\nhiGET / HTTP/1.1\r\n',
      ),
    ).toBe('POST /p HTTP/1.1\r\nhost: app:81\r\nContent-Length: 2\r\n\r\nhiGET / HTTP/1.1\r\n');
  });

  test('an origin-form request is handed over unchanged', () => {
    const raw = 'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi';
    expect(rewrite(raw)).toBe(raw);
  });
});

describe('withConnectionClose (the answer to a one-shot control request)', () => {
  const latin1 = new TextDecoder('latin1');
  const run = (raw: string) => latin1.decode(withConnectionClose(new Uint8Array(Buffer.from(raw, 'latin1'))));

  test.each([
    ['HTTP/1.1 200 OK\r\nA: 1\r\n\r\nbody', 'HTTP/1.1 200 OK\r\nconnection: close\r\nA: 1\r\n\r\nbody'],
    ['HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n', 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'],
    ['HTTP/1.1 20', 'HTTP/1.1 20'],
  ])('%j → %j', (raw, out) => {
    expect(run(raw)).toBe(out);
  });
});

describe('oneShotRequest (a control request tunnelled once)', () => {
  const latin1 = new TextDecoder('latin1');
  const once = (raw: string) => {
    const buf = new Uint8Array(Buffer.from(raw, 'latin1'));
    const out = oneShotRequest(buf, parseRequestHead(buf) as RequestHead);
    return out ? latin1.decode(out) : null;
  };

  test('only the first request goes, its Connection lines replaced by connection: close', () => {
    expect(
      once(
        'PUT /servers HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}GET /x HTTP/1.1\r\n\r\n',
      ),
    ).toBe('PUT /servers HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nconnection: close\r\n\r\n{}');
    expect(once('GET http://b:1/pools HTTP/1.1\r\nHost: x\r\n\r\n')).toBe(
      'GET /pools HTTP/1.1\r\nhost: b:1\r\nconnection: close\r\n\r\n',
    );
  });

  test('null until the body is all here', () => {
    expect(once('PUT /servers HTTP/1.1\r\nContent-Length: 5\r\n\r\n{}')).toBeNull();
  });

  test.each([
    ['a chunked body', 'PUT /servers HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n', 411],
    [
      'a body over the limit',
      `PUT /servers HTTP/1.1\r\nContent-Length: ${MAX_CONTROL_BODY_BYTES + 1}\r\n\r\n`,
      413,
    ],
  ])('%s is refused with %d', (_name, raw, status) => {
    let err: unknown;
    try {
      once(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadRequestHead);
    expect((err as BadRequestHead).status).toBe(status as 411);
  });
});

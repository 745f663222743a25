/** Proxy header rewriting. */
import { describe, expect, test } from 'bun:test';
import {
  clientResponseHeaders,
  connectionNamed,
  forwardedHead,
  pathAndQuery,
  pathOnly,
  upstreamRequestHeaders,
} from './header-rules.ts';

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

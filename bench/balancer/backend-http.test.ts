import { describe, expect, test } from 'bun:test';
import { answerFor, nextRequest, SMALL_BODY } from './backend-http.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('the benchmark backend frames requests', () => {
  test.each([
    ['a GET', 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n', { method: 'GET', path: '/a', close: false }],
    [
      'Connection: close',
      'GET / HTTP/1.1\r\nConnection: close\r\n\r\n',
      { method: 'GET', path: '/', close: true },
    ],
    ['HTTP/1.0', 'GET / HTTP/1.0\r\n\r\n', { method: 'GET', path: '/', close: true }],
    [
      'HTTP/1.0 keep-alive',
      'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
      { method: 'GET', path: '/', close: false },
    ],
  ])('%s', (_name, raw, want) => {
    expect(nextRequest(b(raw))).toEqual({ ...want, end: raw.length });
  });

  test('a Content-Length body is waited for, then skipped; pipelined requests follow', () => {
    const post = 'POST /p HTTP/1.1\r\ncontent-length: 5\r\n\r\nhello';
    expect(nextRequest(b(post.slice(0, -1)))).toBeNull();
    const r = nextRequest(b(`${post}GET /next HTTP/1.1\r\n\r\n`));
    expect(r).toEqual({ method: 'POST', path: '/p', close: false, end: post.length });
    expect(nextRequest(b(`${post}GET /next HTTP/1.1\r\n\r\n`).subarray(r?.end))?.path).toBe('/next');
  });

  test('a chunked body with a trailer is framed whole, and incomplete until its last line', () => {
    const post = 'POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n';
    for (let i = 1; i < post.length; i++) expect(nextRequest(b(post.slice(0, i)))).toBeNull();
    expect(nextRequest(b(post))?.end).toBe(post.length);
  });

  test.each([
    ['garbage\r\n\r\n'],
    ['GET / HTTP/1.1\r\nno colon\r\n\r\n'],
    ['GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n'],
  ])('%j is refused', (raw) => {
    expect(() => nextRequest(b(raw))).toThrow();
  });
});

describe('the benchmark backend answers', () => {
  const answer = (method: string, path: string, close = false) =>
    answerFor({ method, path, close, end: 0 }, () => '{"connections":1,"requests":2}').toString('latin1');
  const body = (a: string) => a.slice(a.indexOf('\r\n\r\n') + 4);

  test('the small GET is 50 bytes, a POST gets 50 bytes of JSON, /64k 64 KiB, /1m 1 MiB', () => {
    expect(Buffer.byteLength(SMALL_BODY)).toBe(50);
    expect(body(answer('GET', '/'))).toBe(SMALL_BODY);
    expect(body(answer('POST', '/echo')).length).toBe(50);
    expect(answer('POST', '/echo')).toContain('content-type: application/json');
    expect(body(answer('GET', '/64k')).length).toBe(64 * 1024);
    expect(body(answer('GET', '/1m')).length).toBe(1024 * 1024);
  });

  test('/64k-keep-alive is /64k with the keep-alive lines Node sends, and without them when closing', () => {
    const a = answer('GET', '/64k-keep-alive');
    expect(a).toContain('connection: keep-alive\r\nkeep-alive: timeout=5\r\n\r\n');
    expect(body(a)).toBe(body(answer('GET', '/64k')));
    const closing = answer('GET', '/64k-keep-alive', true);
    expect(closing).toContain('connection: close\r\n');
    expect(closing).not.toContain('keep-alive');
  });

  test('/chunked is 2 KiB in two chunks; Connection: close answers say so', () => {
    const a = answer('GET', '/chunked');
    expect(a).toContain('transfer-encoding: chunked\r\n\r\n400\r\n');
    expect(body(a).endsWith('\r\n0\r\n\r\n')).toBe(true);
    expect(answer('GET', '/', true)).toContain('connection: close\r\n');
    expect(answer('GET', '/')).not.toContain('connection:');
  });

  test('/__stats and /health_check', () => {
    expect(body(answer('GET', '/__stats'))).toBe('{"connections":1,"requests":2}');
    expect(JSON.parse(body(answer('GET', '/health_check')))).toEqual({ status: 'ok', cpu: 0, inFlight: 0 });
  });
});

/** Heads rewritten for the tunnel into the full `Bun.serve` front. */
import { describe, expect, test } from 'bun:test';
import { BadRequestHead, parseRequestHead, type RequestHead } from '../request-head.ts';
import {
  MAX_CONTROL_BODY_BYTES,
  oneShotRequest,
  originFormRequest,
  withConnectionClose,
} from './tunnel-heads.ts';

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

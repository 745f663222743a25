/**
 * The balancer's upstream side against a misbehaving upstream, over raw sockets: one zone balancer
 * in-process in front of one scripted raw upstream (`test/support/scripted-zone.ts`). Each table row
 * makes the upstream answer `GET /bad` with a broken or ambiguous response (issue 10, defects 3, 4
 * and 5): the client must get a JSON 502 at once (or, when the head was already relayed, see its
 * connection closed at once), the upstream connection must be destroyed, and after every row a
 * second client over the same upstream pool must get exactly its own answer — never bytes left over
 * from the bad exchange. Answers that are fine but relayed as they came are `upstream-relay.test.ts`.
 */
import { describe, expect, test } from 'bun:test';
import { CHUNKED, POISON, useScriptedZone } from '../support/scripted-zone.ts';

const zone = useScriptedZone();
const { badExchange, closedSoon, secondClientIsUnaffected } = zone;

describe('a misbehaving upstream gets the client a JSON 502 and its connection destroyed', () => {
  const cl5 = (line: string) => `HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 5\r\n\r\nhello${POISON}`;
  test.each([
    // Defect 3: framing an upstream must not get away with.
    [
      'an unsolicited 101',
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n${POISON}`,
    ],
    [
      'Transfer-Encoding: gzip (last coding not chunked)',
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello${POISON}`,
    ],
    [
      'Transfer-Encoding: chunked, gzip',
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n${POISON}`,
    ],
    [
      'chunked applied twice',
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${POISON}`,
    ],
    // Defect 4: strict heads.
    [
      'two different Content-Length lines',
      `HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 11\r\n\r\nhello${POISON}`,
    ],
    [
      'two equal Content-Length lines',
      `HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello${POISON}`,
    ],
    ['a Content-Length list', 'HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello'],
    ['Content-Length: 0x5', 'HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\nhello'],
    ['Content-Length: +5', 'HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello'],
    ['an empty Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\nhello'],
    ['a space before the colon', cl5('X-A : b')],
    ['a NUL in a value', cl5('X-A: a\0b')],
    ['a bare CR in a value', cl5('X-A: a\rb')],
    ['a bare LF in a value', cl5('X-A: a\nb')],
    ['a control byte in a value', cl5('X-A: a\x01b')],
    ['a DEL in a value', cl5('X-A: a\x7fb')],
    ['an obs-fold line', cl5('X-A: a\r\n b')],
    ['a bad byte in a name', cl5('X(A): b')],
    ['an empty name', cl5(': b')],
    ['a line without a colon', cl5('no colon')],
    ['a head over 64 KiB sent at once', cl5(`X-Big: ${'x'.repeat(70_000)}`)],
    ['a two-digit status', 'HTTP/1.1 20 OK\r\nContent-Length: 5\r\n\r\nhello'],
    ['a status under 100', 'HTTP/1.1 099 Odd\r\nContent-Length: 5\r\n\r\nhello'],
    ['HTTP/1.2', 'HTTP/1.2 200 OK\r\nContent-Length: 5\r\n\r\nhello'],
    ['no space after the version', 'HTTP/1.1200 OK\r\nContent-Length: 5\r\n\r\nhello'],
    ['a control byte in the reason', 'HTTP/1.1 200 O\x01K\r\nContent-Length: 5\r\n\r\nhello'],
    ['bare LF line ends', 'HTTP/1.1 200 OK\nContent-Length: 5\n\nhello'],
    ['bare LF after the status line', 'HTTP/1.1 200 OK\r\nContent-Length: 5\n\nhello'],
    // Defect 5: malformed chunked bodies that arrive with their head.
    ['a bad chunk size', `${CHUNKED}zz\r\nhello\r\n0\r\n\r\n`],
    ['a chunk size 0x5', `${CHUNKED}0x5\r\nhello\r\n0\r\n\r\n`],
    ['a chunk without its CRLF', `${CHUNKED}5\r\nhelloX\r\n0\r\n\r\n`],
    ['an over-long chunk-size line', `${CHUNKED}5;${'e'.repeat(8_000)}\r\nhello\r\n0\r\n\r\n`],
    ['a chunk size over 2^53', `${CHUNKED}fffffffffffffff\r\nhello\r\n`],
    ['a malformed trailer', `${CHUNKED}5\r\nhello\r\n0\r\nno colon\r\n\r\n${POISON}`],
  ])('%s', async (_name, reply) => {
    const { res, conn } = await badExchange(reply);
    expect(res.status).toBe(502);
    expect(res.text.toLowerCase()).toContain('content-type: application/json');
    expect(res.ms).toBeLessThan(1_500);
    await closedSoon(conn);
    await secondClientIsUnaffected();
  });
});

describe('a chunked answer that breaks after its head was relayed', () => {
  test.each([
    ['a bad chunk size', 'zz\r\n'],
    ['a chunk without its CRLF', '3\r\nabcX\r\n'],
    ['an over-long chunk-size line', `5;${'e'.repeat(8_000)}`],
  ])('%s: the client connection is closed at once and the upstream one destroyed', async (_name, tail) => {
    const { res, conn } = await badExchange({ parts: [`${CHUNKED}5\r\nhello\r\n`, tail], gapMs: 50 });
    expect(res.status).toBe(200);
    expect(res.closed).toBe(true);
    expect(res.body.endsWith('0\r\n\r\n')).toBe(false);
    expect(res.ms).toBeLessThan(1_500);
    await closedSoon(conn);
    await secondClientIsUnaffected();
  });
});

describe('Transfer-Encoding with Content-Length (RFC 9112 §6.1, as HAProxy)', () => {
  test('chunked wins, Content-Length is dropped, and the upstream connection is not reused', async () => {
    const { res, conn } = await badExchange(
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 50\r\n\r\n5\r\nhello\r\n0\r\n\r\n${POISON}`,
    );
    expect(res.status).toBe(200);
    expect(res.text.toLowerCase()).not.toContain('content-length: 50');
    expect(res.body).toContain('hello');
    expect(res.body).not.toContain('POISON');
    await closedSoon(conn);
    await secondClientIsUnaffected();
  });
});

describe('GET /metrics counts upstream connections opened', () => {
  test('zonescale_upstream_connections_opened_total equals the connections the upstream accepted', async () => {
    const text = await (await fetch(`${zone.balancer.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('zonescale_upstream_connections_opened_total{') && l.includes(zone.upstream.origin),
      );
    expect(Number(line?.split(' ').pop())).toBe(zone.upstream.conns.length);
    // Keep-alive reuse: ten more requests in a row open no connection.
    for (let i = 0; i < 10; i++) await secondClientIsUnaffected();
    const again = (await (await fetch(`${zone.balancer.url}/metrics`)).text())
      .split('\n')
      .find(
        (l) =>
          l.startsWith('zonescale_upstream_connections_opened_total{') && l.includes(zone.upstream.origin),
      );
    expect(again).toBe(line);
  });
});

describe('bytes after a complete answer', () => {
  test.each([
    ['a Content-Length answer', `HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello${POISON}`],
    ['a chunked answer', `${CHUNKED}5\r\nhello\r\n0\r\n\r\n${POISON}`],
    ['a HEAD-like bodiless 204', `HTTP/1.1 204 No Content\r\n\r\n${POISON}`],
  ])(
    '%s: the answer goes on, the connection is destroyed, the next client gets its own',
    async (_n, reply) => {
      const { res, conn } = await badExchange(reply);
      expect(res.text).not.toContain('POISON');
      await closedSoon(conn);
      await secondClientIsUnaffected();
    },
  );
});

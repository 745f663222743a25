/**
 * The balancer relays a well-formed upstream answer as it came, over raw sockets (one zone balancer
 * in front of one scripted raw upstream, `test/support/scripted-zone.ts`): interim 1xx heads, chunk
 * framing kept for an HTTP/1.1 client and decoded for an HTTP/1.0 one, hop-by-hop lines cut from a
 * large answer, a streamed Content-Length kept. After every case the upstream connection is kept
 * and a second client over the same pool gets exactly its own answer.
 */
import { describe, expect, test } from 'bun:test';
import { rawExchange } from '../support/scripted-upstream.ts';
import { CHUNKED, useScriptedZone } from '../support/scripted-zone.ts';

const zone = useScriptedZone();
const { badExchange, secondClientIsUnaffected } = zone;

describe('answers relayed as they came', () => {
  test('interim 1xx heads reach an HTTP/1.1 client before the final answer, hop-by-hop lines cut', async () => {
    const { res } = await badExchange(
      'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\nKeep-Alive: timeout=5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    expect(res.text).toBe(
      'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    await secondClientIsUnaffected();
  });

  test('a streamed chunked answer keeps its own chunk framing (not decoded and re-framed)', async () => {
    const chunks = ['5;ext=1\r\nhello\r\n', '1\r\n!\r\n', '0\r\nX-Trailer: t\r\n\r\n'];
    const { res, conn } = await badExchange({
      parts: [`${CHUNKED}${chunks[0]}`, chunks[1] as string, chunks[2] as string],
      gapMs: 20,
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe(chunks.join(''));
    expect(conn?.closedAt).toBeNull();
    await secondClientIsUnaffected();
  });
});

describe('a large answer whose head has hop-by-hop lines (as Node sends Connection: keep-alive)', () => {
  const body = 'z'.repeat(40_000); // 0x9c40 bytes
  const hop = 'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n';
  const rows: [string, string, string, string, boolean][] = [
    [
      'an HTTP/1.1 client, Content-Length',
      'HTTP/1.1',
      '',
      `Content-Length: ${body.length}\r\n\r\n${body}`,
      false,
    ],
    [
      'an HTTP/1.1 client that asks to close',
      'HTTP/1.1',
      'Connection: close\r\n',
      `Content-Length: ${body.length}\r\n\r\n${body}`,
      false,
    ],
    ['an HTTP/1.0 client', 'HTTP/1.0', '', `Content-Length: ${body.length}\r\n\r\n${body}`, false],
    [
      'an HTTP/1.1 client, chunked',
      'HTTP/1.1',
      '',
      `Transfer-Encoding: chunked\r\n\r\n9c40\r\n${body}\r\n0\r\n\r\n`,
      true,
    ],
    [
      'an HTTP/1.0 client, chunked',
      'HTTP/1.0',
      '',
      `Transfer-Encoding: chunked\r\n\r\n9c40\r\n${body}\r\n0\r\n\r\n`,
      true,
    ],
  ];
  // Each row twice: the answer in one write, and in pieces 20 ms apart (relayed as they come).
  type Row = [string, string, string, string, boolean, 'in one write' | 'in pieces'];
  const pieces = ([name, ...r]: (typeof rows)[number]): Row[] =>
    (['in one write', 'in pieces'] as const).map((how) => [`${name}, ${how}`, ...r, how]);
  test.each(rows.flatMap(pieces))(
    'reaches %s: whole, without those lines, and the upstream connection is kept',
    async (_n, version, extra, rest, chunked, how) => {
      const whole = `HTTP/1.1 200 OK\r\n${hop}X-A: 1\r\n${rest}`;
      const at = whole.indexOf('\r\n\r\n') + 100;
      zone.answerBad(
        how === 'in one write'
          ? whole
          : { parts: [whole.slice(0, at), whole.slice(at, 20_000), whole.slice(20_000)], gapMs: 20 },
      );
      const before = zone.upstream.conns.length;
      const res = await rawExchange(zone.port, `GET /bad ${version}\r\nHost: zone1\r\n${extra}\r\n`);
      expect(res.status).toBe(200);
      const head = res.text.slice(0, res.text.indexOf('\r\n\r\n')).toLowerCase();
      expect(head).toContain('x-a: 1');
      expect(head).not.toContain('keep-alive: timeout');
      // An HTTP/1.1 client gets a chunked answer framed as it came, an HTTP/1.0 one decoded.
      const framed = chunked && version === 'HTTP/1.1';
      expect(head.includes('transfer-encoding')).toBe(framed);
      expect(res.body).toBe(framed ? rest.slice(rest.indexOf('\r\n\r\n') + 4) : body);
      expect(zone.badConn(before)?.closedAt).toBeNull();
      await secondClientIsUnaffected();
    },
  );
});

describe('a large Content-Length answer that streams', () => {
  test('goes on with its Content-Length and its bytes as they came, not re-framed chunked', async () => {
    const body = 'y'.repeat(200_000);
    const head = `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { res } = await badExchange({ parts: [head, body.slice(0, 1000), body.slice(1000)], gapMs: 20 });
    expect(res.status).toBe(200);
    expect(res.text.toLowerCase()).toContain(`content-length: ${body.length}\r\n`);
    expect(res.text.toLowerCase()).not.toContain('transfer-encoding');
    expect(res.body).toBe(body);
    await secondClientIsUnaffected();
  });
});

describe('an HTTP/1.0 client', () => {
  test('never gets chunk framing: a chunked answer reaches it decoded', async () => {
    zone.answerBad(`${CHUNKED}5\r\nhello\r\n0\r\n\r\n`);
    const res = await rawExchange(zone.port, 'GET /bad HTTP/1.0\r\nHost: zone1\r\n\r\n');
    expect(res.status).toBe(200);
    expect(res.text.toLowerCase()).not.toContain('transfer-encoding');
    expect(res.body).toBe('hello');
    await secondClientIsUnaffected();
  });
});

/**
 * The balancer's upstream side against a misbehaving upstream, over raw sockets: one zone balancer
 * in-process in front of one scripted raw upstream (`startScriptedUpstream`). Each table row makes the
 * upstream answer `GET /bad` with a broken or ambiguous response (issue 10, defects 3, 4 and 5):
 * the client must get a JSON 502 at once (or, when the head was already relayed, see its connection
 * closed at once), the upstream connection must be destroyed, and after every row a second client
 * over the same upstream pool must get exactly its own answer — never bytes left over from the bad
 * exchange.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  rawExchange,
  type ScriptedReply,
  type ScriptedUpstream,
  startScriptedUpstream,
} from '../support/scripted-upstream.ts';
import { startTestBalancer, type TestBalancer } from '../support/test-balancer.ts';

/** A whole response that a poisoned connection would hand the next request. */
const POISON = 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nPOISON';
const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';

let bad: ScriptedReply = null;
let upstream: ScriptedUpstream;
let balancer: TestBalancer;
let port = 0;

beforeAll(async () => {
  upstream = startScriptedUpstream((target) => {
    if (target === '/bad') return bad;
    const body = `ok ${target.slice(4)}`;
    return `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  });
  balancer = await startTestBalancer(
    [upstream.origin],
    { host: '127.0.0.1', tries: 3, tryTimeoutMs: 2_000 },
    { probe: async () => true },
  );
  port = balancer.port;
});

afterAll(async () => {
  await balancer?.stop();
  upstream?.stop();
});

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: zone1\r\n\r\n`;

/** Sends `GET /bad`, then checks the upstream connection that carried it is closed and unused. */
async function badExchange(reply: ScriptedReply) {
  bad = reply;
  const before = upstream.conns.length;
  const res = await rawExchange(port, get('/bad'));
  const conn = upstream.conns.find((c, i) => i >= before - 1 && c.heads.at(-1)?.startsWith('GET /bad'));
  return { res, conn };
}

let n = 0;
/** A second client over the same pool gets exactly its own answer. */
async function secondClientIsUnaffected(): Promise<void> {
  n += 1;
  const res = await rawExchange(port, get(`/ok/${n}`));
  expect(res.status).toBe(200);
  expect(res.body).toBe(`ok ${n}`);
}

async function closedSoon(conn: { closedAt: number | null } | undefined): Promise<void> {
  for (let i = 0; i < 50 && conn?.closedAt === null; i++) await Bun.sleep(10);
  expect(conn?.closedAt ?? null).not.toBeNull();
}

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
    const text = await (await fetch(`${balancer.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) => l.startsWith('zonescale_upstream_connections_opened_total{') && l.includes(upstream.origin),
      );
    expect(Number(line?.split(' ').pop())).toBe(upstream.conns.length);
    // Keep-alive reuse: ten more requests in a row open no connection.
    for (let i = 0; i < 10; i++) await secondClientIsUnaffected();
    const again = (await (await fetch(`${balancer.url}/metrics`)).text())
      .split('\n')
      .find(
        (l) => l.startsWith('zonescale_upstream_connections_opened_total{') && l.includes(upstream.origin),
      );
    expect(again).toBe(line);
  });
});

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
      bad =
        how === 'in one write'
          ? whole
          : { parts: [whole.slice(0, at), whole.slice(at, 20_000), whole.slice(20_000)], gapMs: 20 };
      const before = upstream.conns.length;
      const res = await rawExchange(port, `GET /bad ${version}\r\nHost: zone1\r\n${extra}\r\n`);
      expect(res.status).toBe(200);
      const head = res.text.slice(0, res.text.indexOf('\r\n\r\n')).toLowerCase();
      expect(head).toContain('x-a: 1');
      expect(head).not.toContain('keep-alive: timeout');
      // An HTTP/1.1 client gets a chunked answer framed as it came, an HTTP/1.0 one decoded.
      const framed = chunked && version === 'HTTP/1.1';
      expect(head.includes('transfer-encoding')).toBe(framed);
      expect(res.body).toBe(framed ? rest.slice(rest.indexOf('\r\n\r\n') + 4) : body);
      const conn = upstream.conns.find((c, i) => i >= before - 1 && c.heads.at(-1)?.startsWith('GET /bad'));
      expect(conn?.closedAt).toBeNull();
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
    bad = `${CHUNKED}5\r\nhello\r\n0\r\n\r\n`;
    const res = await rawExchange(port, 'GET /bad HTTP/1.0\r\nHost: zone1\r\n\r\n');
    expect(res.status).toBe(200);
    expect(res.text.toLowerCase()).not.toContain('transfer-encoding');
    expect(res.body).toBe('hello');
    await secondClientIsUnaffected();
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

/**
 * Request-side strictness of the data plane (RFC 9112), over raw sockets against a real balancer
 * (in-process, two raw echo upstreams) and a real gateway in front of it: every malformed or
 * ambiguous request gets its 4xx and a close without reaching an upstream, the odd-but-valid ones
 * (absolute-form target, `Connection: host`, a chunked trailer) are forwarded correctly, and after
 * every case a second client on a new connection gets exactly its own answer. Control-API requests
 * are in `request-strictness-control.test.ts`.
 */
import { describe, expect, test } from 'bun:test';
import { echoOf, hostsOf, useEchoZone } from '../support/echo-zone.ts';
import { answerHeader, answersAtLeast, rawExchange } from '../support/raw-exchange.ts';

const zone = useEchoZone();

interface Refused {
  name: string;
  send: string;
  status: number;
  /** A unique piece of the target: no upstream may see it. */
  path: string;
}

const LONG = 'x'.repeat(1000);
const headerLines = (n: number) => Array.from({ length: n }, (_, i) => `X-Fill-${i}: ${LONG}\r\n`).join('');

const REFUSED: Refused[] = [
  {
    name: 'two Host headers (RFC 9112 §3.2)',
    send: 'GET /two-hosts HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n',
    status: 400,
    path: '/two-hosts',
  },
  {
    name: 'two identical Host headers',
    send: 'GET /same-hosts HTTP/1.1\r\nHost: a.example\r\nX-Y: 1\r\nhost: a.example\r\n\r\n',
    status: 400,
    path: '/same-hosts',
  },
  {
    name: 'a control byte (SOH) in the target',
    send: 'GET /ctl\x01x HTTP/1.1\r\nHost: x\r\n\r\n',
    status: 400,
    path: '/ctl',
  },
  {
    name: 'a DEL in the target',
    send: 'GET /del\x7fx HTTP/1.1\r\nHost: x\r\n\r\n',
    status: 400,
    path: '/del',
  },
  {
    name: 'a NUL in the target',
    send: 'GET /nul\x00x HTTP/1.1\r\nHost: x\r\n\r\n',
    status: 400,
    path: '/nul',
  },
  {
    name: 'a tab in the target',
    send: 'GET /tab\tx HTTP/1.1\r\nHost: x\r\n\r\n',
    status: 400,
    path: '/tab',
  },
  {
    name: 'a space in the target',
    send: 'GET /space x HTTP/1.1\r\nHost: x\r\n\r\n',
    status: 400,
    path: '/space',
  },
  {
    name: 'a target that is neither origin-form nor absolute-form',
    send: 'GET relative/path HTTP/1.1\r\nHost: x\r\n\r\n',
    status: 400,
    path: 'relative/path',
  },
  {
    name: 'an absolute-form target with userinfo (RFC 9110 §4.2.4)',
    send: 'GET http://user@app.example/userinfo HTTP/1.1\r\nHost: x\r\n\r\n',
    status: 400,
    path: '/userinfo',
  },
  {
    name: 'an absolute-form target with an empty authority',
    send: 'GET http:///no-authority HTTP/1.1\r\nHost: x\r\n\r\n',
    status: 400,
    path: '/no-authority',
  },
  {
    name: 'CONNECT (a reverse proxy opens no tunnel: 405, as nginx)',
    send: 'CONNECT connect.example:443 HTTP/1.1\r\nHost: connect.example:443\r\n\r\n',
    status: 405,
    path: 'connect.example',
  },
  {
    name: 'CONNECT after a valid request on the same connection',
    send: 'GET /before-connect HTTP/1.1\r\nHost: x\r\n\r\nCONNECT c2.example:443 HTTP/1.1\r\nHost: c2.example:443\r\n\r\n',
    status: 405,
    path: 'c2.example',
  },
  {
    name: 'bare-LF line endings',
    send: 'GET /bare-lf HTTP/1.1\nHost: x\n\n',
    status: 400,
    path: '/bare-lf',
  },
  {
    name: 'one bare LF between header lines',
    send: 'GET /one-lf HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n',
    status: 400,
    path: '/one-lf',
  },
  {
    name: 'a bare LF ending the head',
    send: 'GET /last-lf HTTP/1.1\r\nHost: x\r\n\n',
    status: 400,
    path: '/last-lf',
  },
  {
    name: 'a bare CR inside a header line',
    send: 'GET /bare-cr HTTP/1.1\r\nHost: x\rX-A: 1\r\n\r\n',
    status: 400,
    path: '/bare-cr',
  },
  {
    name: 'a request head over 64 KiB',
    send: `GET /huge-head HTTP/1.1\r\nHost: x\r\n${headerLines(70)}\r\n`,
    status: 431,
    path: '/huge-head',
  },
];

describe.each([
  ['balancer', () => zone.balancerPort],
  ['gateway', () => zone.gatewayPort],
])(
  'malformed or ambiguous requests to the %s get their 4xx and a close, and reach no upstream',
  (role, portOf) => {
    test.each(REFUSED.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
      const port = portOf();
      const r = await rawExchange(port, c.send, { timeoutMs: 2_000 });
      const last = r.answers[r.answers.length - 1];
      expect(last?.status).toBe(c.status);
      expect(last?.body).toContain('"error"');
      expect(answerHeader(last, 'connection')).toBe('close');
      if (c.status === 405) expect(answerHeader(last, 'allow')).toContain('GET');
      expect(r.closed).toBe(true);
      expect(r.ms).toBeLessThan(1_500); // at once, not at the idle timeout
      expect(zone.reached(c.path)).toEqual([]);
      await zone.secondClientIsUnaffected(port, `refused-${role}-${i}`);
    });
  },
);

describe('valid but unusual requests are forwarded correctly', () => {
  test.each([
    [
      'GET',
      'GET http://app.example:8080/abs-get?q=1 HTTP/1.1\r\nHost: other.example\r\n\r\n',
      '/abs-get?q=1',
      '',
    ],
    [
      'POST with a body',
      'POST http://app.example:8080/abs-post HTTP/1.1\r\nHost: other.example\r\nContent-Length: 2\r\n\r\nhi',
      '/abs-post',
      'hi',
    ],
  ])(
    'an absolute-form target (%s) goes upstream in origin-form with its authority as the one Host (RFC 9112 §3.2.2)',
    async (_what, send, path, body) => {
      const r = await rawExchange(zone.balancerPort, send, { until: answersAtLeast(1) });
      expect(r.answers[0]?.status).toBe(200);
      const e = echoOf(r);
      expect(e.line).toBe(`${send.split(' ')[0]} ${path} HTTP/1.1`);
      expect(hostsOf(e)).toEqual(['app.example:8080']);
      expect(e.headers.find(([k]) => k === 'x-forwarded-host')?.[1]).toBe('app.example:8080');
      expect(e.body).toBe(body);
      await zone.secondClientIsUnaffected(zone.balancerPort, `abs-${path.slice(1, 8)}`);
    },
  );

  test('an absolute-form target without a path goes upstream as `/`', async () => {
    const r = await rawExchange(zone.balancerPort, 'GET http://app.example HTTP/1.1\r\nHost: x\r\n\r\n', {
      until: answersAtLeast(1),
    });
    expect(r.answers[0]?.status).toBe(200);
    expect(echoOf(r).line).toBe('GET / HTTP/1.1');
    expect(hostsOf(echoOf(r))).toEqual(['app.example']);
  });

  test.each([
    ['Connection: host', 'host'],
    ['Connection: keep-alive, Host', 'keep-alive, Host'],
  ])('%s does not drop the Host header (Connection never names Host)', async (_name, conn) => {
    const r = await rawExchange(
      zone.balancerPort,
      `GET /conn-host HTTP/1.1\r\nHost: kept.example\r\nConnection: ${conn}\r\nX-Drop: 1\r\n\r\n`,
      { until: answersAtLeast(1) },
    );
    expect(r.answers[0]?.status).toBe(200);
    expect(hostsOf(echoOf(r))).toEqual(['kept.example']);
    await zone.secondClientIsUnaffected(zone.balancerPort, 'conn-host');
  });

  test('a header a Connection value names is still dropped (RFC 9110 §7.6.1)', async () => {
    const r = await rawExchange(
      zone.balancerPort,
      'GET /conn-named HTTP/1.1\r\nHost: x\r\nConnection: x-drop, host\r\nX-Drop: 1\r\nX-Keep: 2\r\n\r\n',
      { until: answersAtLeast(1) },
    );
    const names = echoOf(r).headers.map(([k]) => k.toLowerCase());
    expect(names).not.toContain('x-drop');
    expect(names).toContain('x-keep');
    expect(names).toContain('host');
  });

  test('a chunked request with a valid trailer is accepted and its body forwarded', async () => {
    const r = await rawExchange(
      zone.balancerPort,
      'POST /trailer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n',
      { until: answersAtLeast(1) },
    );
    expect(r.answers[0]?.status).toBe(200);
    expect(echoOf(r).body).toBe('hello world');
    await zone.secondClientIsUnaffected(zone.balancerPort, 'trailer');
  });

  test('a request head just under 64 KiB is accepted', async () => {
    const r = await rawExchange(
      zone.balancerPort,
      `GET /big-head HTTP/1.1\r\nHost: x\r\n${headerLines(60)}\r\n`,
      {
        until: answersAtLeast(1),
      },
    );
    expect(r.answers[0]?.status).toBe(200);
    expect(echoOf(r).headers.filter(([k]) => k.startsWith('X-Fill-'))).toHaveLength(60);
  });
});

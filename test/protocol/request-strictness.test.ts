/**
 * Request-side strictness of the data plane (RFC 9112), over raw sockets against a real balancer
 * (in-process, two raw echo upstreams) and a real gateway in front of it: every malformed or
 * ambiguous request gets its 4xx and a close without reaching an upstream, the odd-but-valid ones
 * (absolute-form target, `Connection: host`, a chunked trailer) are forwarded correctly, and after
 * every case a second client on a new connection gets exactly its own answer.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { GatewayConfig } from '../../server/config/roles.ts';
import { startGateway } from '../../server/gateway/start.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { RoleHandle } from '../../server/shared/role.ts';
import { type Echo, type EchoUpstream, startEchoUpstream } from '../support/echo-upstream.ts';
import { answerHeader, answersAtLeast, type RawResult, rawExchange } from '../support/raw-exchange.ts';
import { startTestBalancer, TEST_BALANCER_TOKEN, type TestBalancer } from '../support/test-balancer.ts';

/** The cluster token the balancer and the gateway share. */
const TOKEN = TEST_BALANCER_TOKEN;

let ups: EchoUpstream[] = [];
let balancer: TestBalancer;
let gateway: RoleHandle;
let balancerPort = 0;
let gatewayPort = 0;

beforeAll(async () => {
  ups = [startEchoUpstream('a'), startEchoUpstream('b')];
  balancer = await startTestBalancer(
    ups.map((u) => u.url),
    { tryTimeoutMs: 3_000, drainTimeoutMs: 100 },
  );
  balancerPort = balancer.port;
  gateway = await startGateway(
    {
      ...GatewayConfig.parse({ token: TOKEN, zones: `zone1=${balancer.url}` }),
      port: 0,
      checkIntervalMs: 60_000,
      recheckIntervalMs: 60_000,
    },
    silentLogger,
  );
  gatewayPort = Number(new URL(gateway.url).port);
});

afterAll(async () => {
  await gateway?.stop();
  await balancer?.stop();
  for (const u of ups) u.stop();
});

/** Every echo the upstreams sent for a request line containing `path`. */
function reached(path: string): Echo[] {
  return ups.flatMap((u) => u.seen).filter((e) => e.line.split(' ')[1]?.includes(path));
}

const echoOf = (r: RawResult, i = 0): Echo => JSON.parse(r.answers[i]?.body ?? 'null') as Echo;
const hostsOf = (e: Echo) => e.headers.filter(([k]) => k.toLowerCase() === 'host').map(([, v]) => v);

/** A second client on its own connection gets its own answer from an upstream. */
async function secondClientIsUnaffected(port: number, n: string): Promise<void> {
  const r = await rawExchange(port, `GET /second-${n} HTTP/1.1\r\nHost: second\r\n\r\n`, {
    until: answersAtLeast(1),
  });
  expect(r.answers[0]?.status).toBe(200);
  const e = echoOf(r);
  expect(e.line).toBe(`GET /second-${n} HTTP/1.1`);
  expect(['a', 'b']).toContain(e.id);
  expect(hostsOf(e)).toEqual(['second']);
}

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
  ['balancer', () => balancerPort],
  ['gateway', () => gatewayPort],
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
      expect(reached(c.path)).toEqual([]);
      await secondClientIsUnaffected(port, `refused-${role}-${i}`);
    });
  },
);

describe('a control request does not hand the connection to a laxer parser', () => {
  test.each([
    ['two Host headers', 'GET /after-control-1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['a control byte in the target', 'GET /after-control-2\x01 HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['bare LF', 'GET /after-control-3 HTTP/1.1\nHost: a\n\n'],
  ])(
    'a control request is answered once and the connection closes: a pipelined request with %s is never read',
    async (_what, evil) => {
      const r = await rawExchange(balancerPort, `GET /health_check HTTP/1.1\r\nHost: x\r\n\r\n${evil}`);
      expect(r.answers.map((a) => a.status)).toEqual([200]);
      expect(r.answers[0]?.body).toContain('"status":"ok"');
      expect(answerHeader(r.answers[0], 'connection')).toBe('close'); // so no client reuses it
      expect(r.closed).toBe(true);
      expect(reached('/after-control')).toEqual([]);
      await secondClientIsUnaffected(balancerPort, 'after-control');
    },
  );

  test('a PUT to the control API with its body split over packets is answered once', async () => {
    const body = JSON.stringify({ add: [], remove: [] });
    const r = await rawExchange(
      balancerPort,
      `PUT /servers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      { more: [body.slice(0, 5), body.slice(5)] },
    );
    expect(r.answers.map((a) => a.status)).toEqual([401]); // no token: refused, and nothing changed
    expect(r.closed).toBe(true);
  });

  test('a chunked body to a control path is refused with 411', async () => {
    const r = await rawExchange(
      balancerPort,
      'PUT /servers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    );
    expect(r.answers.map((a) => a.status)).toEqual([411]);
    expect(r.closed).toBe(true);
  });
});

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
      const r = await rawExchange(balancerPort, send, { until: answersAtLeast(1) });
      expect(r.answers[0]?.status).toBe(200);
      const e = echoOf(r);
      expect(e.line).toBe(`${send.split(' ')[0]} ${path} HTTP/1.1`);
      expect(hostsOf(e)).toEqual(['app.example:8080']);
      expect(e.headers.find(([k]) => k === 'x-forwarded-host')?.[1]).toBe('app.example:8080');
      expect(e.body).toBe(body);
      await secondClientIsUnaffected(balancerPort, `abs-${path.slice(1, 8)}`);
    },
  );

  test('an absolute-form target without a path goes upstream as `/`', async () => {
    const r = await rawExchange(balancerPort, 'GET http://app.example HTTP/1.1\r\nHost: x\r\n\r\n', {
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
      balancerPort,
      `GET /conn-host HTTP/1.1\r\nHost: kept.example\r\nConnection: ${conn}\r\nX-Drop: 1\r\n\r\n`,
      { until: answersAtLeast(1) },
    );
    expect(r.answers[0]?.status).toBe(200);
    expect(hostsOf(echoOf(r))).toEqual(['kept.example']);
    await secondClientIsUnaffected(balancerPort, 'conn-host');
  });

  test('a header a Connection value names is still dropped (RFC 9110 §7.6.1)', async () => {
    const r = await rawExchange(
      balancerPort,
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
      balancerPort,
      'POST /trailer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n',
      { until: answersAtLeast(1) },
    );
    expect(r.answers[0]?.status).toBe(200);
    expect(echoOf(r).body).toBe('hello world');
    await secondClientIsUnaffected(balancerPort, 'trailer');
  });

  test('a request head just under 64 KiB is accepted', async () => {
    const r = await rawExchange(balancerPort, `GET /big-head HTTP/1.1\r\nHost: x\r\n${headerLines(60)}\r\n`, {
      until: answersAtLeast(1),
    });
    expect(r.answers[0]?.status).toBe(200);
    expect(echoOf(r).headers.filter(([k]) => k.startsWith('X-Fill-'))).toHaveLength(60);
  });
});

describe('the gateway does not proxy a zone balancer’s control API', () => {
  test.each([
    ['GET', '/pools'],
    ['GET', '/servers'],
    ['PUT', '/servers'],
    ['GET', '/monitor'],
    ['PUT', '/monitor'],
  ])('%s %s through the gateway gets 404, even with the cluster token', async (method, path) => {
    const body = method === 'PUT' ? '{"add":[],"remove":[]}' : '';
    const r = await rawExchange(
      gatewayPort,
      `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      { until: answersAtLeast(1) },
    );
    expect(r.answers[0]?.status).toBe(404);
    expect(r.answers[0]?.body).toContain('"error"');
    expect(r.answers[0]?.body).not.toContain('alive');
    await secondClientIsUnaffected(gatewayPort, `gw-${method}${path.slice(1)}`);
  });

  test('the gateway’s own metrics are its own, and other paths reach the zone', async () => {
    const m = await rawExchange(gatewayPort, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n', {
      until: answersAtLeast(1),
    });
    expect(m.answers[0]?.status).toBe(200);
    expect(m.answers[0]?.body).toContain('gateway_zone_available');
    const r = await rawExchange(gatewayPort, 'GET /pools-of-the-app HTTP/1.1\r\nHost: x\r\n\r\n', {
      until: answersAtLeast(1),
    });
    expect(r.answers[0]?.status).toBe(200);
    expect(echoOf(r).line).toBe('GET /pools-of-the-app HTTP/1.1');
  });
});

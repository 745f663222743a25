/**
 * Request-side strictness of the control API, over raw sockets against a real balancer
 * (in-process, two raw echo upstreams) and a real gateway in front of it: a control request, even
 * one whose body comes in several packets, is answered once and its connection closes, so nothing
 * pipelined after it is read by a laxer parser or reaches an upstream; a chunked body to a control
 * path is a 411; through the gateway a zone balancer's control paths are a 404, not proxied, while
 * the gateway's own metrics and every other path still work. After the cases that reach an
 * upstream a second client on a new connection gets exactly its own answer.
 */
import { describe, expect, test } from 'bun:test';
import { echoOf, TOKEN, useEchoZone } from '../support/echo-zone.ts';
import { answerHeader, answersAtLeast, rawExchange } from '../support/raw-exchange.ts';

const zone = useEchoZone();

describe('a control request does not hand the connection to a laxer parser', () => {
  test.each([
    ['two Host headers', 'GET /after-control-1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['a control byte in the target', 'GET /after-control-2\x01 HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['bare LF', 'GET /after-control-3 HTTP/1.1\nHost: a\n\n'],
  ])(
    'a control request is answered once and the connection closes: a pipelined request with %s is never read',
    async (_what, evil) => {
      const r = await rawExchange(zone.balancerPort, `GET /health_check HTTP/1.1\r\nHost: x\r\n\r\n${evil}`);
      expect(r.answers.map((a) => a.status)).toEqual([200]);
      expect(r.answers[0]?.body).toContain('"status":"ok"');
      expect(answerHeader(r.answers[0], 'connection')).toBe('close'); // so no client reuses it
      expect(r.closed).toBe(true);
      expect(zone.reached('/after-control')).toEqual([]);
      await zone.secondClientIsUnaffected(zone.balancerPort, 'after-control');
    },
  );

  test('a PUT to the control API with its body split over packets is answered once', async () => {
    const body = JSON.stringify({ add: [], remove: [] });
    const r = await rawExchange(
      zone.balancerPort,
      `PUT /servers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      { more: [body.slice(0, 5), body.slice(5)] },
    );
    expect(r.answers.map((a) => a.status)).toEqual([401]); // no token: refused, and nothing changed
    expect(r.closed).toBe(true);
  });

  test('a chunked body to a control path is refused with 411', async () => {
    const r = await rawExchange(
      zone.balancerPort,
      'PUT /servers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    );
    expect(r.answers.map((a) => a.status)).toEqual([411]);
    expect(r.closed).toBe(true);
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
      zone.gatewayPort,
      `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      { until: answersAtLeast(1) },
    );
    expect(r.answers[0]?.status).toBe(404);
    expect(r.answers[0]?.body).toContain('"error"');
    expect(r.answers[0]?.body).not.toContain('alive');
    await zone.secondClientIsUnaffected(zone.gatewayPort, `gw-${method}${path.slice(1)}`);
  });

  test('the gateway’s own metrics are its own, and other paths reach the zone', async () => {
    const m = await rawExchange(zone.gatewayPort, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n', {
      until: answersAtLeast(1),
    });
    expect(m.answers[0]?.status).toBe(200);
    expect(m.answers[0]?.body).toContain('gateway_zone_available');
    const r = await rawExchange(zone.gatewayPort, 'GET /pools-of-the-app HTTP/1.1\r\nHost: x\r\n\r\n', {
      until: answersAtLeast(1),
    });
    expect(r.answers[0]?.status).toBe(200);
    expect(echoOf(r).line).toBe('GET /pools-of-the-app HTTP/1.1');
  });
});

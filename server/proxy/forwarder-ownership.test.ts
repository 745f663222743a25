/**
 * One owner per recycled forwarding (issue 10, defect 0): a client that hangs up while its answer
 * streams cancels the body, whose cancel ends the try (`onDone`) inside the answer callback; the
 * forwarding must then be released once, never twice, and two later requests never share it.
 */
import { describe, expect, test } from 'bun:test';
import { testProxyDeps } from '../../test/support/test-proxy.ts';
import type { UpstreamClient, UpstreamRequest } from '../http1/client/index.ts';
import type { ForwardAnswer, ForwardRequest } from '../http1/server/handler.ts';
import { silentLogger } from '../shared/logger.ts';
import { createForwarder } from './forwarder.ts';
import { Pools } from './lb/pools.ts';

const A = 'http://127.0.0.1:9101';

function request(target: string): ForwardRequest {
  return {
    method: 'GET',
    target,
    head: '',
    hasHost: false,
    body: undefined,
    clientIp: '',
    header: () => undefined,
    aborted: () => false,
  };
}

/** A forwarder over a fake client; `mode` says how the fake answers. */
function setup(mode: 'stream' | 'hold') {
  const sent: UpstreamRequest[] = [];
  const errors: string[] = [];
  const client: UpstreamClient = {
    send(_origin, req) {
      sent.push(req);
      if (mode === 'hold') return;
      // As the raw client does for a streamed body: the stream's cancel ends the exchange.
      const body = new ReadableStream<Uint8Array>({ cancel: () => req.onDone() });
      req.onAnswer(null, { status: 200, statusText: 'OK', headers: [], body });
    },
    close() {},
  };
  const pools = new Pools({ checkIntervalMs: 10_000, recheckIntervalMs: 30_000, deadAfter: 3 }, [A], 0);
  const log = { ...silentLogger, error: (_o: unknown, msg?: string) => errors.push(String(msg)) };
  const forward = createForwarder(testProxyDeps(pools, { log, now: () => 0, client }));
  return { forward, sent, errors, pools };
}

describe('forwarder ownership', () => {
  test.each([
    ['cancelled inside the answer callback (client gone)', true],
    ['read on a later turn', false],
  ])('a streamed answer %s releases the forwarding once', async (_how, cancelNow) => {
    const s = setup('stream');
    for (let i = 0; i < 3; i++)
      s.forward(request(`/s${i}`), (a: ForwardAnswer) => {
        if (cancelNow) void (a.body as ReadableStream).cancel();
        else setTimeout(() => void (a.body as ReadableStream).cancel(), 1);
      });
    await Bun.sleep(10);
    expect(s.errors).toEqual([]);
    expect(s.pools.inFlightOf(A)).toBe(0);
    // Two requests in flight at once on the same forwarder must be two different objects.
    const before = s.sent.length;
    s.forward(request('/a'), () => {});
    s.forward(request('/b'), () => {});
    const [a, b] = s.sent.slice(before);
    expect(a).not.toBe(b);
    expect([a?.target, b?.target]).toEqual(['/a', '/b']);
    expect(s.errors).toEqual([]);
  });

  test('a second onDone or onAnswer from a finished try changes nothing', () => {
    const s = setup('hold');
    const answers: number[] = [];
    s.forward(request('/x'), (a) => answers.push(a.status));
    const req = s.sent[0] as UpstreamRequest;
    req.onAnswer(null, { status: 200, statusText: '', headers: [], body: null });
    req.onDone();
    req.onDone();
    req.onAnswer(null, { status: 201, statusText: '', headers: [], body: null });
    expect(answers).toEqual([200]);
    expect(s.pools.inFlightOf(A)).toBe(0);
    // The next request takes the released object, and its own try is counted once.
    s.forward(request('/y'), (a) => answers.push(a.status));
    expect(s.pools.inFlightOf(A)).toBe(1);
    expect(s.errors).toEqual([]);
  });
});

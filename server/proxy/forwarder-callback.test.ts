/**
 * The forwarder's callback form over a scripted upstream client, as the raw front end drives it:
 * requests answered now or on a later turn, failed tries, streamed answers, the reused request
 * objects each getting exactly their own answer, and the access log. The retry behaviour through
 * the fetch form is `forwarder.test.ts`.
 */
import { describe, expect, test } from 'bun:test';
import { testProxyDeps } from '../../test/support/test-proxy.ts';
import { type UpstreamClient, UpstreamError } from '../http1/client/index.ts';
import type { ForwardAnswer } from '../http1/server/handler.ts';
import { type AccessLogEntry, createForwarder } from './forwarder.ts';
import { Pools } from './lb/pools.ts';

const A = 'http://127.0.0.1:9101';
const B = 'http://127.0.0.1:9102';
const C = 'http://127.0.0.1:9103';

/** A round-robin forwarder (3 tries, 1 s per try) over `client`, with a fixed clock. */
function forwarderOver(pools: Pools, client: UpstreamClient, accessLog?: (e: AccessLogEntry) => void) {
  return createForwarder(testProxyDeps(pools, { now: () => 1_000, client, accessLog }));
}

describe('forwarder (callback form, reused request objects)', () => {
  /**
   * A forwarder over a scripted client: each try is answered now (synchronously, as the raw client
   * does from socket I/O) or on a later turn, with a response or a connection failure, and the
   * client calls `onDone` before a failure and after a streamed body, like the real one.
   */
  function rig(
    script: (origin: string, n: number) => { when: 'now' | 'later'; fail?: boolean; stream?: boolean },
  ) {
    const pools = new Pools(
      { checkIntervalMs: 10_000, recheckIntervalMs: 30_000, deadAfter: 3 },
      [A, B, C],
      0,
    );
    let n = 0;
    const streams: (() => void)[] = [];
    const client: UpstreamClient = {
      send(origin, r) {
        const s = script(origin, n++);
        const target = r.target;
        const run = () => {
          if (s.fail) {
            r.onDone();
            r.onAnswer(new UpstreamError('connect-failure', `${origin} refused`), null);
            return;
          }
          const res = {
            status: 200,
            statusText: 'OK',
            headers: [['x-target', target]] as [string, string][],
          };
          if (s.stream) {
            r.onAnswer(null, { ...res, body: new ReadableStream() });
            streams.push(() => r.onDone());
            return;
          }
          r.onDone();
          r.onAnswer(null, { ...res, body: null });
        };
        if (s.when === 'now') run();
        else setTimeout(run, 1);
      },
      close() {},
    };
    const forward = forwarderOver(pools, client);
    const ask = (target: string) =>
      new Promise<ForwardAnswer>((resolve) =>
        forward(
          {
            method: 'GET',
            target,
            head: '',
            hasHost: false,
            body: undefined,
            clientIp: '127.0.0.1',
            header: () => undefined,
            aborted: () => false,
          },
          resolve,
        ),
      );
    return { pools, ask, streams };
  }

  test('many requests, answered now or later, some after a failed try, each get their own answer', async () => {
    const { pools, ask } = rig((origin, n) => ({
      when: n % 3 === 0 ? 'later' : 'now',
      fail: origin === B && n % 2 === 0,
    }));
    for (let round = 0; round < 5; round++) {
      const targets = Array.from({ length: 40 }, (_, i) => `/r${round}-${i}`);
      const answers = await Promise.all(targets.map(ask));
      expect(answers.map((a) => a.headers[0]?.[1])).toEqual(targets);
      expect(answers.every((a) => a.status === 200)).toBe(true);
    }
    expect(pools.totalInFlight()).toBe(0);
  });

  test('a streamed answer keeps its try counted until the body ends; the object is reused only then', async () => {
    const { pools, ask, streams } = rig(() => ({ when: 'now', stream: true }));
    const first = await ask('/s1');
    expect(first.headers[0]?.[1]).toBe('/s1');
    expect(pools.totalInFlight()).toBe(1);
    const second = await ask('/s2');
    expect(second.headers[0]?.[1]).toBe('/s2');
    expect(first.headers[0]?.[1]).toBe('/s1');
    for (const end of streams) end();
    expect(pools.totalInFlight()).toBe(0);
  });
});

describe('access log', () => {
  test('one entry per answered request: status, the server that answered, tries, client; none when no server', async () => {
    const pools = new Pools({ checkIntervalMs: 10_000, recheckIntervalMs: 30_000, deadAfter: 3 }, [A, B], 0);
    const entries: AccessLogEntry[] = [];
    const client: UpstreamClient = {
      send(origin, r) {
        r.onDone();
        if (origin === A) r.onAnswer(new UpstreamError('connect-failure', 'refused'), null);
        else r.onAnswer(null, { status: 201, statusText: 'Created', headers: [], body: null });
      },
      close() {},
    };
    const forward = forwarderOver(pools, client, (e) => entries.push(e));
    const ask = () =>
      new Promise<ForwardAnswer>((resolve) =>
        forward(
          {
            method: 'POST',
            target: '/orders?x=1',
            head: '',
            hasHost: false,
            body: new Uint8Array(0),
            clientIp: '10.1.2.3',
            header: () => undefined,
            aborted: () => false,
          },
          resolve,
        ),
      );
    expect((await ask()).status).toBe(201); // A refused (and is ejected), B answered
    pools.recordFailure(B, 1_000); // B ejected too: nothing alive
    expect((await ask()).status).toBe(503);
    expect(entries.map(({ ms, ...rest }) => rest)).toEqual([
      { method: 'POST', target: '/orders?x=1', status: 201, upstream: B, tries: 2, client: '10.1.2.3' },
      { method: 'POST', target: '/orders?x=1', status: 503, upstream: 'none', tries: 0, client: '10.1.2.3' },
    ]);
    expect(entries.every((e) => e.ms >= 0)).toBe(true);
  });
});

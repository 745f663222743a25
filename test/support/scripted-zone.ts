/**
 * A zone balancer in-process in front of one scripted raw upstream (`startScriptedUpstream`), for
 * the suites that make the upstream answer `GET /bad` as a row says (`upstream-poisoning`,
 * `upstream-relay`). Every other target `/ok/<n>` gets `ok <n>`, so a second client can check it
 * got exactly its own answer over the same upstream pool after each row.
 */
import { afterAll, beforeAll, expect } from 'bun:test';
import {
  type RawResult,
  rawExchange,
  type ScriptedConn,
  type ScriptedReply,
  type ScriptedUpstream,
  startScriptedUpstream,
} from './scripted-upstream.ts';
import { startTestBalancer, type TestBalancer } from './test-balancer.ts';

/** A whole response that a poisoned connection would hand the next request. */
export const POISON = 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nPOISON';
/** The head of a chunked answer. */
export const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';

/** `GET <path>` over HTTP/1.1 for zone1. */
export const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: zone1\r\n\r\n`;

/** The started zone and the checks every row ends with. */
export interface ScriptedZone {
  upstream: ScriptedUpstream;
  balancer: TestBalancer;
  /** The balancer's port. */
  port: number;
  /** Sets what the upstream answers to `GET /bad` from now on. */
  answerBad(reply: ScriptedReply): void;
  /** The upstream connection whose last request was `GET /bad`, among those from index `from - 1` on. */
  badConn(from: number): ScriptedConn | undefined;
  /** Answers `GET /bad` with `reply`: the client's response and the upstream connection that carried it. */
  badExchange(reply: ScriptedReply): Promise<{ res: RawResult; conn: ScriptedConn | undefined }>;
  /** A second client over the same pool gets exactly its own answer (`ok <n>`). */
  secondClientIsUnaffected(): Promise<void>;
  /** The connection is closed within 500 ms. */
  closedSoon(conn: { closedAt: number | null } | undefined): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the zone: 3 tries of 2 s each, the upstream always healthy. */
export async function startScriptedZone(): Promise<ScriptedZone> {
  let bad: ScriptedReply = null;
  let n = 0;
  const upstream = startScriptedUpstream((target) => {
    if (target === '/bad') return bad;
    const body = `ok ${target.slice(4)}`;
    return `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  });
  const balancer = await startTestBalancer(
    [upstream.origin],
    { host: '127.0.0.1', tries: 3, tryTimeoutMs: 2_000 },
    { probe: async () => true },
  ).catch((err) => {
    upstream.stop();
    throw err;
  });
  const port = balancer.port;
  const badConn = (from: number) =>
    upstream.conns.find((c, i) => i >= from - 1 && c.heads.at(-1)?.startsWith('GET /bad'));
  return {
    upstream,
    balancer,
    port,
    answerBad(reply) {
      bad = reply;
    },
    badConn,
    async badExchange(reply) {
      bad = reply;
      const before = upstream.conns.length;
      const res = await rawExchange(port, get('/bad'));
      return { res, conn: badConn(before) };
    },
    async secondClientIsUnaffected() {
      n += 1;
      const res = await rawExchange(port, get(`/ok/${n}`));
      expect(res.status).toBe(200);
      expect(res.body).toBe(`ok ${n}`);
    },
    async closedSoon(conn) {
      for (let i = 0; i < 50 && conn?.closedAt === null; i++) await Bun.sleep(10);
      expect(conn?.closedAt ?? null).not.toBeNull();
    },
    async stop() {
      await balancer.stop();
      upstream.stop();
    },
  };
}

/**
 * The zone of one suite: started in `beforeAll`, stopped in `afterAll`; the handle forwards to it
 * (and throws when used outside the suite's tests).
 */
export function useScriptedZone(): ScriptedZone {
  let started: ScriptedZone | undefined;
  beforeAll(async () => {
    started = await startScriptedZone();
  });
  afterAll(async () => {
    await started?.stop();
  });
  const z = (): ScriptedZone => {
    if (!started) throw new Error('the scripted zone is used outside its suite');
    return started;
  };
  return {
    get upstream() {
      return z().upstream;
    },
    get balancer() {
      return z().balancer;
    },
    get port() {
      return z().port;
    },
    answerBad: (reply) => z().answerBad(reply),
    badConn: (from) => z().badConn(from),
    badExchange: (reply) => z().badExchange(reply),
    secondClientIsUnaffected: () => z().secondClientIsUnaffected(),
    closedSoon: (conn) => z().closedSoon(conn),
    stop: () => z().stop(),
  };
}

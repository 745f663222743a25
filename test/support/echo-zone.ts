/**
 * The world of the request-strictness suites (`request-strictness`, `request-strictness-control`):
 * a real balancer in-process over two raw echo upstreams (`a`, `b`) and a real gateway in front of
 * it, started in `beforeAll` and stopped in `afterAll` of the file that calls `useEchoZone()`, with
 * the checks those suites share: what reached an upstream, and a second client on a new connection
 * getting exactly its own answer.
 */
import { afterAll, beforeAll, expect } from 'bun:test';
import { GatewayConfig } from '../../server/config/roles.ts';
import { startGateway } from '../../server/gateway/start.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { RoleHandle } from '../../server/shared/role.ts';
import { type Echo, type EchoUpstream, startEchoUpstream } from './echo-upstream.ts';
import { answersAtLeast, type RawResult, rawExchange } from './raw-exchange.ts';
import { startTestBalancer, TEST_BALANCER_TOKEN, type TestBalancer } from './test-balancer.ts';

/** The cluster token the balancer and the gateway share. */
export const TOKEN = TEST_BALANCER_TOKEN;

/** The upstream's echo in answer `i` of `r`. */
export const echoOf = (r: RawResult, i = 0): Echo => JSON.parse(r.answers[i]?.body ?? 'null') as Echo;
/** The Host values an upstream saw. */
export const hostsOf = (e: Echo) => e.headers.filter(([k]) => k.toLowerCase() === 'host').map(([, v]) => v);

/** The started zone; read its ports inside the suite's tests only. */
export interface EchoZone {
  readonly balancerPort: number;
  readonly gatewayPort: number;
  /** Every echo the upstreams sent for a request line containing `path`. */
  reached(path: string): Echo[];
  /** A second client on its own connection gets its own answer from an upstream. */
  secondClientIsUnaffected(port: number, n: string): Promise<void>;
}

/** Registers the `beforeAll` that starts the zone and the `afterAll` that stops it. */
export function useEchoZone(): EchoZone {
  let ups: EchoUpstream[] = [];
  let balancer: TestBalancer;
  let gateway: RoleHandle;
  const zone = {
    balancerPort: 0,
    gatewayPort: 0,
    reached(path: string): Echo[] {
      return ups.flatMap((u) => u.seen).filter((e) => e.line.split(' ')[1]?.includes(path));
    },
    async secondClientIsUnaffected(port: number, n: string): Promise<void> {
      const r = await rawExchange(port, `GET /second-${n} HTTP/1.1\r\nHost: second\r\n\r\n`, {
        until: answersAtLeast(1),
      });
      expect(r.answers[0]?.status).toBe(200);
      const e = echoOf(r);
      expect(e.line).toBe(`GET /second-${n} HTTP/1.1`);
      expect(['a', 'b']).toContain(e.id);
      expect(hostsOf(e)).toEqual(['second']);
    },
  };

  beforeAll(async () => {
    ups = [startEchoUpstream('a'), startEchoUpstream('b')];
    balancer = await startTestBalancer(
      ups.map((u) => u.url),
      { tryTimeoutMs: 3_000, drainTimeoutMs: 100 },
    );
    zone.balancerPort = balancer.port;
    gateway = await startGateway(
      {
        ...GatewayConfig.parse({ token: TOKEN, zones: `zone1=${balancer.url}` }),
        port: 0,
        checkIntervalMs: 60_000,
        recheckIntervalMs: 60_000,
      },
      silentLogger,
    );
    zone.gatewayPort = Number(new URL(gateway.url).port);
  });

  afterAll(async () => {
    await gateway?.stop();
    await balancer?.stop();
    for (const u of ups) u.stop();
  });

  return zone;
}

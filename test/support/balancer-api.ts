/**
 * The control API of one `zone1` balancer for `app.request` tests (no network): pools with A and B
 * alive since 1 000 ms (C not in them), monitor `http://127.0.0.1:7001` leading at term 5, the
 * clock at 2 000 ms; `balancerApiWorld()` rebuilds it before each test of the file that calls it.
 */
import { beforeEach } from 'bun:test';
import type { MonitorInfo } from '../../server/balancer/fencing.ts';
import { createBalancerApi, type RoutesDeps } from '../../server/balancer/routes.ts';
import { Pools } from '../../server/proxy/lb/pools.ts';
import { createBalancerMetrics } from '../../server/proxy/metrics.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import { DEFAULT_UPSTREAM_ALLOW, UpstreamAllowList } from '../../server/shared/upstream-allow.ts';

export const TOKEN = 'test-token-0123456789abcdef';
export const A = 'http://127.0.0.1:9101';
export const B = 'http://127.0.0.1:9102';
export const C = 'http://127.0.0.1:9103';

/** The state of one test: its pools, the leader the API holds, its server ids and the API. */
export interface BalancerApiWorld {
  pools: Pools;
  leader: MonitorInfo;
  serverIds: Map<string, string>;
  app: ReturnType<typeof createBalancerApi>;
  /** The API's options over this test's state (for an API with other options). */
  options(): RoutesDeps;
  /** `PUT path` with `body` (a string is sent as it is) and `Authorization: Bearer <token>` unless null. */
  put(path: string, body: unknown, token?: string | null): Response | Promise<Response>;
  /** The pools, the leader and the ids as one string, to show a request changed nothing. */
  snapshot(): string;
}

/** Registers a `beforeEach` that rebuilds the world; read its fields inside tests only. */
export function balancerApiWorld(): BalancerApiWorld {
  const w = {
    options(): RoutesDeps {
      return {
        zone: 'zone1',
        strategy: 'round-robin',
        token: TOKEN,
        upstreamAllow: new UpstreamAllowList(DEFAULT_UPSTREAM_ALLOW),
        pools: w.pools,
        leader: { get: () => w.leader, set: (m) => (w.leader = m) },
        metrics: createBalancerMetrics(w.pools, 'zone1'),
        serverIds: w.serverIds,
        now: () => 2_000,
        log: silentLogger,
      };
    },
    put(path: string, body: unknown, token: string | null = TOKEN) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const payload = typeof body === 'string' ? body : JSON.stringify(body);
      return w.app.request(`http://localhost${path}`, { method: 'PUT', headers, body: payload });
    },
    snapshot: () => JSON.stringify({ view: w.pools.view(), leader: w.leader, ids: [...w.serverIds] }),
  } as BalancerApiWorld;
  beforeEach(() => {
    w.serverIds = new Map();
    w.pools = new Pools({ checkIntervalMs: 10_000, recheckIntervalMs: 30_000, deadAfter: 3 }, [A, B], 1_000);
    w.leader = { address: 'http://127.0.0.1:7001', term: 5 };
    w.app = createBalancerApi(w.options());
  });
  return w;
}

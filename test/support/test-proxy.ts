/**
 * The in-process proxy of the forwarder suites: `startTestProxy(servers, fakeFetch, overrides)`
 * builds the `Bun.serve`-side proxy (`createProxy`) of zone `zone1` over `servers` (all alive),
 * round-robin, 3 tries of 1 s, a fixed clock and random source, sending through `fakeFetch` (the
 * suite decides what each server does); `overrides` replace any dependency.
 */

import { createProxy } from '../../server/proxy/fetch-proxy.ts';
import type { ProxyDeps } from '../../server/proxy/forward-request.ts';
import { Pools } from '../../server/proxy/lb/pools.ts';
import { createRoundRobin } from '../../server/proxy/lb/strategies/round-robin.ts';
import { createBalancerMetrics } from '../../server/proxy/metrics.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import { fetchClient } from './upstream-fetch.ts';

/**
 * The dependencies of zone1's proxy over `pools`: round-robin, 3 tries of 1 s, a fixed clock
 * (1,234 ms) and random source (0.5), a silent log; `overrides` replace any of them (the client,
 * the clock, an activator). For `createProxy` and `createForwarder` alike.
 */
export function testProxyDeps(pools: Pools, overrides: Partial<ProxyDeps> = {}): ProxyDeps {
  return {
    zone: 'zone1',
    pools,
    strategy: createRoundRobin(),
    tries: 3,
    tryTimeoutMs: 1_000,
    metrics: createBalancerMetrics(pools, 'zone1'),
    log: silentLogger,
    now: () => 1_234,
    rand: () => 0.5,
    ...overrides,
  };
}

/** Builds the proxy; returns it with its pools and metrics. */
export function startTestProxy(
  servers: readonly string[],
  fakeFetch: typeof fetch,
  overrides: Partial<ProxyDeps> = {},
) {
  const pools = new Pools(
    { checkIntervalMs: 10_000, recheckIntervalMs: 30_000, deadAfter: 3 },
    [...servers],
    0,
  );
  const deps = testProxyDeps(pools, { client: fetchClient(fakeFetch), ...overrides });
  return { pools, metrics: deps.metrics, proxy: createProxy(deps) };
}

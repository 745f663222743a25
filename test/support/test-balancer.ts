/**
 * An in-process zone balancer for raw-socket suites: `startTestBalancer(upstreams, overrides)`
 * starts the real balancer role on an ephemeral port of 127.0.0.1 over `upstreams` (their URLs),
 * with health checks far apart (60 s, so a suite decides when a server is down) and a short drain,
 * then any `overrides` of the balancer config. The handle gives the port for raw sockets.
 */
import { type BalancerHooks, startBalancer } from '../../server/balancer/start.ts';
import { BalancerConfig } from '../../server/config/roles.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { RoleHandle } from '../../server/shared/role.ts';

/** The cluster token of test balancers (unused by the data plane). */
export const TEST_BALANCER_TOKEN = 'test-balancer-token-0123456789abcdef';

/** A started balancer: its role handle, URL and port. */
export interface TestBalancer {
  handle: RoleHandle;
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a balancer of zone `zone1` over `upstreams` (URLs); `overrides` replace config fields
 * (times in ms, sizes in bytes), `hooks` go to `startBalancer`.
 */
export async function startTestBalancer(
  upstreams: readonly string[],
  overrides: Partial<BalancerConfig> = {},
  hooks: BalancerHooks = {},
): Promise<TestBalancer> {
  const handle = await startBalancer(
    {
      ...BalancerConfig.parse({ token: TEST_BALANCER_TOKEN, zone: 'zone1' }),
      port: 0,
      servers: [...upstreams],
      checkIntervalMs: 60_000,
      recheckIntervalMs: 60_000,
      drainTimeoutMs: 200,
      ...overrides,
    },
    silentLogger,
    hooks,
  );
  return { handle, url: handle.url, port: Number(new URL(handle.url).port), stop: () => handle.stop() };
}

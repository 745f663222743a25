/**
 * Where a dev/test cluster listens, derived from one base port so several clusters (a developer's
 * `bun run dev` and a test run) never collide. With the default base 7000: collector 7000, monitors
 * 7001–7003, gateway 7010, host agent 7020, zone balancers 8001–8003, app servers 9101–9199.
 */

/** Ports of one cluster. `appPorts` is an inclusive range. */
export interface ClusterLayout {
  basePort: number;
  collectorPort: number;
  monitorPorts: number[];
  balancerPortBase: number;
  appPorts: [number, number];
  /** The gateway (front door): base + 10. */
  gatewayPort: number;
  /** The host agent (`GET /health_check`): base + 20. */
  agentPort: number;
}

/** The layout for `basePort` with `monitors` replicas (ids 1..monitors). @throws RangeError past 63000 */
export function clusterLayout(basePort = 7000, monitors = 3): ClusterLayout {
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort + 2199 > 65535) {
    throw new RangeError(`base port ${basePort} must be an integer in 1024..63336`);
  }
  return {
    basePort,
    collectorPort: basePort,
    monitorPorts: Array.from({ length: monitors }, (_, i) => basePort + 1 + i),
    balancerPortBase: basePort + 1001,
    appPorts: [basePort + 2101, basePort + 2199],
    gatewayPort: basePort + 10,
    agentPort: basePort + 20,
  };
}

/** Suites that start whole clusters; each gets its own window of ports. */
export const PORT_WINDOWS = [
  'e2e',
  'cluster-test',
  'fencing-test',
  'monitor-test',
  'reaction-bench',
  'chaos-bench',
  'term-test',
  'fuzz-test',
] as const;

/** Linux's default ephemeral range (`net.ipv4.ip_local_port_range`), inclusive. */
const EPHEMERAL = { first: 32_768, last: 60_999 } as const;
/** Windows of 3,000 ports that fit between 10000 and the ephemeral range (10000–30999). */
const WINDOWS_BELOW = Math.floor((EPHEMERAL.first - 10_000) / 3_000);

/**
 * A base port for a test or bench cluster: random within the suite's own 3,000-port window, and
 * outside Linux's ephemeral range (32768–60999), so an outgoing connection of another process can
 * never hold one of the cluster's ports (it did: a collector on 40000 failed to bind and its zone
 * saw no samples). Windows start at 10000, above the dev cluster (7000–9199) and the services
 * (6379, 8086, 9092); the first seven fill 10000–30999, the next one starts above the ephemeral
 * range at 61000 (room for one more cluster span only). @throws RangeError for an unknown suite
 */
export function testBasePort(suite: (typeof PORT_WINDOWS)[number], rand: () => number = Math.random): number {
  const window = PORT_WINDOWS.indexOf(suite);
  if (window < 0) throw new RangeError(`unknown port window ${suite}`);
  const start =
    window < WINDOWS_BELOW ? 10_000 + window * 3_000 : EPHEMERAL.last + 1 + (window - WINDOWS_BELOW) * 3_000;
  return start + Math.floor(rand() * 8) * 100;
}

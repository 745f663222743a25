/**
 * The gateway's Prometheus metrics. The gateway is a balancer whose upstreams are zone balancers,
 * so it reuses the balancer's metric set (`balancer_requests_total`, `…_retries_total`,
 * `…_outlier_ejections_total`, `…_request_duration_seconds`, with `zone="gateway"` and the zone
 * balancer's URL as `upstream`) and adds `gateway_zone_available{zone}` (1/0) and
 * `gateway_term`, read at scrape time.
 */
import { Gauge } from 'prom-client';
import type { Pools } from '../proxy/lb/pools.ts';
import { type BalancerMetrics, createBalancerMetrics } from '../proxy/metrics.ts';
import type { ZoneTable } from './zone-table.ts';

/** Creates the gateway's metrics over its pools and zone table. */
export function createGatewayMetrics(pools: Pools, table: () => ZoneTable): BalancerMetrics {
  const m = createBalancerMetrics(pools, 'gateway');
  new Gauge({
    name: 'gateway_zone_available',
    help: 'Zone routable through the gateway (1) or skipped (0)',
    labelNames: ['zone'] as const,
    registers: [m.registry],
    collect() {
      this.reset();
      for (const z of table().zones) this.set({ zone: z.zone }, pools.stateOf(z.url) === 'alive' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gateway_term',
    help: 'Leader term of the last accepted zone push',
    registers: [m.registry],
    collect() {
      this.set(table().term);
    },
  });
  return m;
}

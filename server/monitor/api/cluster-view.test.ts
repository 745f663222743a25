/**
 * The cluster view's per-server metrics from three sample sources: CPU and memory from the agent
 * when it sent any (else the app), and the zone balancer's req/s, mean in-flight and p95, whether
 * its samples are keyed by the server id or (not told the id) by the server URL.
 */
import { expect, test } from 'bun:test';
import { FakeBalancerClient } from '../../../test/support/fake-balancer-client.ts';
import { agentSample, balancerSample, sample } from '../../adapters/metrics-store.contract.ts';
import { MemoryMetricsStore } from '../../adapters/metrics-store-memory.ts';
import { MemoryRegistry } from '../../adapters/registry-memory.ts';
import type { Policy } from '../../shared/types.ts';
import { buildClusterState } from './cluster-view.ts';

const policy: Policy = {
  kind: 'threshold',
  highCpu: 70,
  lowCpu: 30,
  minReplicas: 1,
  maxReplicas: 5,
  periodMs: 1000,
  windowMs: 10_000,
  scaleDownStabilizationMs: 0,
  scaleUpPeriods: 1,
};

test('server rows prefer agent CPU and memory and carry the balancer’s request metrics', async () => {
  const now = 100_000;
  const registry = new MemoryRegistry();
  const metrics = new MemoryMetricsStore();
  const app = (n: number) => ({
    id: `zone1-app-${n}`,
    role: 'app' as const,
    zone: 'zone1',
    url: `http://127.0.0.1:910${n}`,
    port: 9100 + n,
    runtimeId: String(n),
    createdAt: 1,
  });
  for (const n of [1, 2]) await registry.putContainer(app(n), 0);
  await metrics.write([
    sample('zone1-app-1', now - 1000, 90, { memoryMb: 500, throughput: 3, scenario: 'high' }),
    agentSample('zone1-app-1', now - 1000, 25, 120),
    balancerSample('zone1-app-1', now - 1000, { rps: 12, inFlight: 1.5, p95Ms: 8 }),
    sample('zone1-app-2', now - 1000, 40, { memoryMb: 64 }),
    balancerSample('http://127.0.0.1:9102', now - 1000, { rps: 4, inFlight: 0.25, p95Ms: null }),
  ]);
  const state = await buildClusterState({
    selfId: 1,
    selfStatus: () => 'leader',
    monitors: [],
    zones: ['zone1'],
    policy,
    registry,
    metrics,
    peers: {
      health: async () => null,
      election: async () => false,
      coordinator: async () => 'refused' as never,
    },
    balancers: new FakeBalancerClient(() => false),
    now: () => now,
  });
  const [one, two] = state.zones[0]?.servers ?? [];
  expect(one).toMatchObject({
    cpu: 25,
    memoryMb: 120,
    resourceSource: 'agent',
    throughput: 3,
    scenario: 'high',
    rps: 12,
    meanInFlight: 1.5,
    p95Ms: 8,
  });
  expect(two).toMatchObject({
    cpu: 40,
    memoryMb: 64,
    resourceSource: 'app',
    rps: 4,
    meanInFlight: 0.25,
    p95Ms: null,
  });
  expect(state.zones[0]?.avgCpu).toBeCloseTo((25 + 40) / 2);
});

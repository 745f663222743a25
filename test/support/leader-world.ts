/**
 * A test world for the leader's duties: `LeaderDuties` over the memory registry, runtime and
 * metrics store, the fake balancer client and a settable clock, with every URL answering its health
 * check unless it is in `down`, and the `StaleTerm`s reported to step down collected. Shared by the
 * leader suites in `server/monitor/leader/`.
 */
import { MemoryMetricsStore } from '../../server/adapters/metrics-store-memory.ts';
import { MemoryRegistry } from '../../server/adapters/registry-memory.ts';
import { MemoryRuntime } from '../../server/adapters/runtime-memory.ts';
import type { LeaderConfig, LeaderDeps } from '../../server/monitor/leader/context.ts';
import { LeaderDuties } from '../../server/monitor/leader/duties.ts';
import type { StaleTerm } from '../../server/shared/errors.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { ContainerRecord } from '../../server/shared/types.ts';
import { FakeBalancerClient } from './fake-balancer-client.ts';
import { thresholdPolicy } from './policies.ts';

/** The leader's own URL and the cluster token in the world. */
export const SELF = 'http://127.0.0.1:17003';
export const TOKEN = 'x'.repeat(32);

/** One leader's duties over fakes, with the fakes and a settable clock. */
export interface World {
  clock: { now: number };
  registry: MemoryRegistry;
  runtime: MemoryRuntime;
  metrics: MemoryMetricsStore;
  balancers: FakeBalancerClient;
  down: Set<string>;
  staleTerms: StaleTerm[];
  orch: LeaderDuties;
}

/** A fresh world: monitor 3 leads term 1; zones 1-3; the threshold policy unless overridden. */
export async function world(
  over: { cfg?: Partial<LeaderConfig>; deps?: Partial<LeaderDeps> } = {},
): Promise<World> {
  const clock = { now: 1_000_000 };
  const registry = new MemoryRegistry();
  await registry.claimLeadership(0, { id: 3, url: SELF, term: 1, since: clock.now });
  const runtime = new MemoryRuntime({ now: () => clock.now });
  const metrics = new MemoryMetricsStore();
  const down = new Set<string>();
  const balancers = new FakeBalancerClient((url) => !down.has(url));
  const staleTerms: StaleTerm[] = [];
  const orch = new LeaderDuties(
    {
      selfUrl: SELF,
      zones: ['zone1', 'zone2', 'zone3'],
      policy: thresholdPolicy({ periodMs: 10_000, windowMs: 10_000, scaleDownStabilizationMs: 0 }),
      balancerPortBase: 18001,
      appPorts: [19101, 19199],
      balancerArgs: '--check-interval-ms 1000',
      appArgs: '--scenario-mode simulate',
      collector: 'http://127.0.0.1:17000',
      token: TOKEN,
      cluster: 'test',
      dataDir: '/tmp/zs-test',
      startTimeoutMs: 100,
      ...over.cfg,
    },
    {
      registry,
      runtime,
      metrics,
      balancers,
      log: silentLogger,
      onStaleTerm: (e) => staleTerms.push(e),
      now: () => clock.now,
      portBindable: async (p) => p !== 19101,
      waitHealthy: async (url) => !down.has(url),
      ...over.deps,
    },
  );
  return { clock, registry, runtime, metrics, balancers, down, staleTerms, orch };
}

/** The registered app servers of `zone`. */
export const apps = async (w: World, zone: string): Promise<ContainerRecord[]> =>
  (await w.registry.containers(zone)).filter((r) => r.role === 'app');

/** One sample a second for `serverId` over the 10 s before now. */
export async function load(w: World, serverId: string, zone: string, cpu: number) {
  const samples = Array.from({ length: 10 }, (_, i) => ({
    serverId,
    zone,
    ts: w.clock.now - 10_000 + i * 1_000,
    cpu,
    memoryMb: 50,
    throughput: 0,
    healthy: true,
    scenario: 'high' as const,
  }));
  await w.metrics.write(samples);
}

/**
 * One pass of the reaction bench on one runtime (`measureOn`): starts a whole cluster (simulated
 * CPU, the bench timings of `BENCH_MONITOR_ARGS`) with its balancers and app servers on processes,
 * Docker containers or swarm services, and measures `reps` times each (a) scale-out, (b) leader
 * failover, (c) dead-server detection under traffic (`measure.ts`), ms. The swarm pass runs on the
 * swarm of scripts/swarm.sh, on the zones it labels (zone1 on both nodes, zone2 on the manager), and
 * SIGKILLs an app server through the engine of the node that holds it. Everything it starts is
 * stopped on exit, also on failure.
 */

import { join } from 'node:path';
import Docker from 'dockerode';
import type { ContainerRuntime, RuntimeContainer } from '../../server/adapters/runtime.ts';
import { openRuntime } from '../../server/adapters/select.ts';
import { SqliteMetricsStore } from '../../server/adapters/sqlite/metrics-store-sqlite.ts';
import { clusterReady } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import { NODE2_SOCKET } from '../../test/support/swarm-world.ts';
import { type BenchClusterOptions, withBenchCluster } from '../support/bench-cluster.ts';
import { BENCH_MONITOR_ARGS, secs } from '../support/cluster-probe.ts';
import { type Bench, deadServer, failover, scaleOut } from './measure.ts';

/** The runtimes a pass runs on. */
export type RuntimeName = 'process' | 'docker' | 'swarm';

/** The zones of each runtime's pass (the swarm of scripts/swarm.sh labels two). */
export const PASS_ZONES: Record<RuntimeName, string[]> = {
  process: ['zone1', 'zone2', 'zone3'],
  docker: ['zone1', 'zone2', 'zone3'],
  swarm: ['zone1', 'zone2'],
};

/**
 * SIGKILL of an app server on `runtime`: its pid on processes, `docker kill` of its container on
 * Docker, and on the swarm `docker kill` through the manager's engine or, when the task runs on the
 * second node, through that node's engine (`NODE2_SOCKET`).
 */
export async function killer(runtimeName: RuntimeName, runtime: ContainerRuntime) {
  if (runtimeName === 'process')
    return async (c: RuntimeContainer) => void process.kill(Number(c.runtimeId), 'SIGKILL');
  const engines = [(runtime as unknown as { docker: Docker }).docker];
  if (!engines[0]) throw new Error(`the ${runtimeName} pass needs a Docker engine client`);
  if (runtimeName === 'swarm') engines.push(new Docker({ socketPath: NODE2_SOCKET }));
  return async (c: RuntimeContainer) => {
    for (const engine of engines) {
      const killed = await engine
        .getContainer(c.runtimeId)
        .kill({ signal: 'SIGKILL' })
        .then(() => true)
        .catch(() => false);
      if (killed) return;
    }
    throw new Error(`no engine holds container ${c.runtimeId}`);
  };
}

/** Runs (a), (b), (c) `reps` times each on `runtimeName`; `image` for docker and swarm. Raw samples in ms. */
export async function measureOn(
  runtimeName: RuntimeName,
  reps: number,
  image: string,
): Promise<Record<string, number[]>> {
  const zones = PASS_ZONES[runtimeName];
  const basePort = testBasePort('reaction-bench');
  // A fresh cluster id per container pass, so containers of an earlier run cannot be mistaken for ours.
  const clusterId =
    runtimeName === 'process' ? 'reaction' : `reaction-${runtimeName}-${Math.floor(Date.now() / 1000)}`;
  const options: BenchClusterOptions = {
    basePort,
    cluster: clusterId,
    scenarioMode: 'simulate',
    logLevel: 'warn',
    monitorArgs:
      runtimeName === 'swarm' ? [...BENCH_MONITOR_ARGS, `--zones=${zones.join(',')}`] : BENCH_MONITOR_ARGS,
    runtime: runtimeName,
    ...(runtimeName === 'process' ? {} : { env: { ZONESCALE_IMAGE: image } }),
  };
  return withBenchCluster('zonescale-reaction-', options, async (cluster, dataDir) => {
    await cluster.waitFor('the cluster to be ready', (s) => clusterReady(s, zones.length), 180_000);
    const runtime = openRuntime({ runtime: runtimeName, dataDir, cluster: clusterId });
    const b: Bench = {
      cluster,
      metrics: new SqliteMetricsStore(join(dataDir, clusterId, 'metrics.sqlite')),
      runtime,
      highCpu: 60,
      windowMs: 1_500,
      kill: await killer(runtimeName, runtime),
    };
    const out: Record<string, number[]> = { scaleOut: [], failover: [], deadServer: [] };
    const ready = (zone: string, replicas?: number) =>
      cluster.waitFor(
        `${zone} ready${replicas ? ` with ${replicas} server` : ''}`,
        (s) =>
          clusterReady(s, zones.length) &&
          s.zones.every((z) => z.servers.every((v) => v.state === 'alive')) &&
          (replicas === undefined || s.zones.find((z) => z.zone === zone)?.replicas === replicas),
        90_000,
      );
    for (let i = 0; i < reps; i++) {
      const zone = zones[i % zones.length]!;
      await ready(zone, 1);
      const ms = await scaleOut(b, zone);
      out.scaleOut!.push(ms);
      console.log(`  [${runtimeName}] (a) scale-out ${zone}: ${secs(ms)}`);
    }
    for (let i = 0; i < reps; i++) {
      await ready('zone1');
      await Bun.sleep(1_500); // the restarted monitor boots and follows
      const ms = await failover(b);
      out.failover!.push(ms);
      console.log(`  [${runtimeName}] (b) failover: ${secs(ms)}`);
    }
    for (let i = 0; i < reps; i++) {
      const zone = zones[i % zones.length]!;
      await ready(zone);
      const ms = await deadServer(b, zone);
      out.deadServer!.push(ms);
      console.log(`  [${runtimeName}] (c) dead server ${zone}: ${secs(ms)}`);
    }
    await b.metrics.close();
    return out;
  });
}

/**
 * The two-node swarm of scripts/swarm.sh as the swarm cluster test (test/services/swarm-cluster.test.ts)
 * and the node-loss bench (bench/reaction/swarm.ts) both drive it: a dev cluster with RUNTIME=swarm
 * (collector, gateway and monitors as local processes on the manager's host, every balancer and app
 * server a one-task swarm service of `image`), the registry's containers through the leader, the
 * image copied to the second engine, and `nodeLoss`: the second engine (a zone1 worker holding no
 * balancer) stopped with SIGTERM under traffic through zone1's balancer, timed until zone1 is back at
 * its replica count on the live node. Imports nothing from bun:test, so a bench can use it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Cluster, clusterReady, startCluster } from '../../server/dev/cluster.ts';
import type { ClusterState, ContainerRecord } from '../../server/shared/types.ts';
import { startTraffic, type TrafficResult } from './traffic.ts';

/** Repository root. */
const REPO = join(import.meta.dir, '../..');

/** The pid file of the second dockerd that scripts/swarm.sh starts. */
export const NODE2_PID_FILE = join(REPO, '.cache/services/swarm/node2/pid');

/** The second engine's socket path as scripts/swarm.sh lays it out (`swarm.sh env` exports the same). */
export const NODE2_SOCKET = join(REPO, '.cache/services/swarm/node2/docker.sock');

/** Runs `cmd` with bash in the repository. @throws Error with its stderr when it exits non-zero */
export async function sh(cmd: string): Promise<void> {
  const p = Bun.spawn(['bash', '-c', cmd], { cwd: REPO, stdout: 'ignore', stderr: 'pipe' });
  if ((await p.exited) !== 0) throw new Error(`${cmd}: ${await new Response(p.stderr).text()}`);
}

/** Copies `image` from the manager's engine to the engine on `socket` (`docker save | docker load`). */
export function copyImage(image: string, socket: string): Promise<void> {
  return sh(`/usr/bin/docker save ${image} | /usr/bin/docker -H unix://${socket} load`);
}

/** What `startSwarmCluster` needs: the dev cluster's options for a swarm run. */
export interface SwarmClusterOptions {
  name: string;
  image: string;
  dataDir: string;
  basePort: number;
  token: string;
  /** Zones the monitors manage (default zone1, zone2: the zones scripts/swarm.sh labels). */
  zones?: string[];
  monitorArgs?: string[];
  /** How long to wait for every zone's balancer and servers, ms (default 180 s). */
  readyMs?: number;
}

/** Starts the dev cluster on the swarm and waits until every zone is ready. @throws Error on timeout */
export async function startSwarmCluster(o: SwarmClusterOptions): Promise<Cluster> {
  const zones = o.zones ?? ['zone1', 'zone2'];
  const cluster = await startCluster({
    basePort: o.basePort,
    dataDir: o.dataDir,
    cluster: o.name,
    token: o.token,
    scenarioMode: 'simulate',
    logLevel: 'warn',
    runtime: 'swarm',
    env: { ZONESCALE_IMAGE: o.image },
    monitorArgs: [`--zones=${zones.join(',')}`, ...(o.monitorArgs ?? [])],
  });
  try {
    await cluster.waitFor(
      'the swarm cluster to be ready',
      (s) => clusterReady(s, zones.length),
      o.readyMs ?? 180_000,
    );
  } catch (err) {
    await cluster.stop().catch(() => {});
    throw err;
  }
  return cluster;
}

/** The registry's containers, read through the leader's `GET /containers`. @throws Error when no leader answers */
export async function clusterContainers(cluster: Cluster): Promise<ContainerRecord[]> {
  const leader = ((await cluster.state()) as ClusterState | null)?.leader?.url;
  const res = await fetch(`${leader}/containers`, { signal: AbortSignal.timeout(2_000) });
  return ((await res.json()) as { containers: ContainerRecord[] }).containers;
}

/** The app servers of `zone` in the registry. */
export async function zoneApps(cluster: Cluster, zone: string): Promise<ContainerRecord[]> {
  return (await clusterContainers(cluster)).filter((c) => c.zone === zone && c.role === 'app');
}

/** Polls `check` every 100 ms until true or `ms` passes; errors count as not yet. */
async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await Bun.sleep(100);
  }
}

/** What one node loss cost. */
export interface NodeLoss {
  /** Ids of the zone1 app servers that were on the stopped node. */
  lost: string[];
  /** From the engine's SIGTERM to zone1 back at `replicas` servers, none of them on the lost node, ms; null when it never was. */
  backMs: number | null;
  /** The client traffic through zone1's balancer over the whole loss. */
  traffic: TrafficResult;
}

/**
 * Stops the second engine (`node2Socket`, a zone1 worker that must hold no balancer and at least one
 * zone1 server) with SIGTERM under one request loop through zone1's balancer (`/work?ms=5`), and
 * waits up to `waitMs` (default 150 s) for zone1 to be back at `replicas` servers off that node.
 * `onStopped` runs right after the signal (the caller's cleanup flag). The caller restarts the node
 * (`bash scripts/swarm.sh up`).
 * @throws Error when the node holds zone1's balancer or no zone1 server
 */
export async function nodeLoss(
  cluster: Cluster,
  o: { node2Socket: string; replicas: number; waitMs?: number; onStopped?: () => void },
): Promise<NodeLoss> {
  const recs = await clusterContainers(cluster);
  const balancer = recs.find((r) => r.id === 'zone1-balancer');
  const info = (await (await fetch('http://docker/info', { unix: o.node2Socket })).json()) as {
    Swarm: { NodeID: string };
  };
  const node = info.Swarm.NodeID;
  if (!balancer || balancer.node === node) throw new Error('zone1’s balancer is on the node to stop');
  const lost = recs.filter((r) => r.node === node && r.role === 'app').map((r) => r.id);
  if (lost.length === 0) throw new Error('the node to stop holds no zone1 server');
  const traffic = startTraffic(`${balancer.url}/work?ms=5`, {
    concurrency: 1,
    durationMs: 200_000,
    maxRequests: 20_000,
  });
  await Bun.sleep(1_000);
  process.kill(Number(readFileSync(NODE2_PID_FILE, 'utf8')), 'SIGTERM');
  const stoppedAt = Date.now();
  o.onStopped?.();
  const back = await until(async () => {
    const apps = await zoneApps(cluster, 'zone1');
    return apps.length >= o.replicas && apps.every((a) => !lost.includes(a.id) && a.node !== node);
  }, o.waitMs ?? 150_000);
  const backMs = back ? Date.now() - stoppedAt : null;
  traffic.stop();
  return { lost, backMs, traffic: await traffic.done };
}

/**
 * zonescale running a service it did not write, as real processes (process runtime, embedded
 * defaults), started exactly as `bun run dev -- --service … --health-path …` starts it:
 * - the Python example (`examples/python-cpu/server.py`, standard library only) comes up in three
 *   zones, each zone's balancer health-checks it on `/healthz` and proxies to it, the gateway
 *   answers from it, CPU work included, and the host agent's samples give each server a CPU and
 *   memory figure measured from outside;
 * - a service that crashes at start gives a `ServiceFailedToStart` event per try quoting its log,
 *   the tries of a zone are at least the stated back-off apart (2 s, then 4 s, …), and the cluster
 *   stays up (balancers, leader).
 * Each cluster uses its own port window and temp data directory, and is stopped in afterAll.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, clusterReady, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import { devService } from '../../server/dev/service-args.ts';
import { REPO } from '../services/services.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-own-service-'));
const clusters: Cluster[] = [];

afterAll(async () => {
  await stopAll();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

/** A cluster running `service` (flags as `bun run dev` takes them), on `monitors` monitors. */
async function clusterOf(name: string, serviceArgv: Record<string, string>, monitors: number) {
  const { monitorArgs } = devService(
    { serviceEnv: [], ...serviceArgv } as Parameters<typeof devService>[0],
    REPO,
    'process',
  );
  const c = await startCluster({
    basePort: testBasePort('cluster-test'),
    dataDir,
    cluster: name,
    token: randomBytes(24).toString('hex'),
    monitors,
    logLevel: 'warn',
    monitorArgs,
  });
  clusters.push(c);
  return c;
}

/** Stops every cluster started so far (the next test may reuse the port window). */
async function stopAll(): Promise<void> {
  for (const c of clusters.splice(0)) await c.stop();
}

const text = async (url: string) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text() };
};

describe('the Python example as the service', () => {
  test('three zones of it come up and answer through their balancers and the gateway', async () => {
    const c = await clusterOf(
      'py',
      { service: 'python3 examples/python-cpu/server.py', healthPath: '/healthz' },
      3,
    );
    const s = await c.waitFor('three zones of the Python service', (st) => clusterReady(st, 3), 90_000);
    expect(s.zones.map((z) => z.zone).sort()).toEqual(['zone1', 'zone2', 'zone3']);
    const pids = new Set<number>();
    for (const z of s.zones) {
      const root = await text(`${z.balancer!.url}/`);
      expect(root.status).toBe(200);
      const body = JSON.parse(root.body) as { service: string; pid: number };
      expect(body.service).toBe('python-cpu');
      pids.add(body.pid);
      const pools = JSON.parse((await text(`${z.balancer!.url}/pools`)).body) as { alive: { url: string }[] };
      expect(pools.alive).toHaveLength(1);
    }
    expect(pids.size).toBe(3); // one Python process per zone
    // The service publishes nothing: its CPU and memory reach the dashboard from the host agent,
    // which samples each server by the runtimeId the runtime lists (the process group's leader).
    const sampled = await c.waitFor(
      'agent samples of every Python server',
      (st) =>
        st.zones.every(
          (z) => z.servers.length > 0 && z.servers.every((x) => x.cpu !== null && (x.memoryMb ?? 0) > 1),
        ),
      30_000,
    );
    expect(sampled.zones.flatMap((z) => z.servers).length).toBe(3);
    const work = await text(`${c.gatewayUrl}/work?ms=20`);
    expect(work.status).toBe(200);
    expect(JSON.parse(work.body)).toMatchObject({ cpuMs: 20 });
    // The registry holds each server's runtime id: the pid of its process-group leader (the shell).
    const containers = (await (await fetch(`${s.leader!.url}/containers`)).json()) as {
      containers: { role: string; runtimeId: string }[];
    };
    for (const r of containers.containers.filter((x) => x.role === 'app'))
      expect(readFileSync(`/proc/${r.runtimeId}/cmdline`, 'utf8').split('\0').slice(0, 2)).toEqual([
        '/bin/sh',
        '-c',
      ]);
  }, 120_000);
});

describe('a service that crashes at start', () => {
  test('gives ServiceFailedToStart with its log, no faster than the back-off, and the cluster stays up', async () => {
    await stopAll();
    const c = await clusterOf('crash', { service: 'echo "boom: DB_URL is not set" >&2; exit 3' }, 1);
    const s = await c.waitFor(
      'three failed starts in zone1',
      (st) => st.events.filter((e) => e.reason === 'ServiceFailedToStart' && e.zone === 'zone1').length >= 3,
      60_000,
    );
    const tries = s.events.filter((e) => e.reason === 'ServiceFailedToStart' && e.zone === 'zone1').reverse();
    for (const e of tries) expect(e.message).toContain('boom: DB_URL is not set');
    expect(tries[0]!.message).toContain('exited before answering its health check');
    for (let i = 1; i < tries.length; i++) {
      const stated = Number(/next start in (\d+) ms/.exec(tries[i - 1]!.message)?.[1]);
      expect(stated).toBe(2_000 * 2 ** (i - 1));
      expect(tries[i]!.ts - tries[i - 1]!.ts).toBeGreaterThanOrEqual(stated);
    }
    // The zones have no app server but keep their balancers, and the leader keeps leading. The
    // zones back off in step, so the state of zone1's third failure may catch another zone inside
    // its own third attempt (its server registered while its health check is awaited): the check
    // is made at the first state between attempts, which the 8 s back-off leaves plenty of.
    const between = await c.waitFor(
      'every zone between attempts',
      (st) => st.zones.every((z) => z.replicas === 0),
      10_000,
    );
    for (const z of between.zones) {
      expect(z.balancer?.status).toBe('up');
      expect(z.replicas).toBe(0);
    }
    expect(between.leader?.id).toBe(1);
  }, 90_000);
});

/**
 * The whole loop as real processes on 127.0.0.1 (collector, three monitors, and the balancers and
 * app servers the leader creates through the process runtime), on embedded defaults. One cluster
 * runs through the story in order: ready → bad and unauthenticated calls refused → High on zone1
 * scales it out → traffic reaches both servers → SIGKILL of an app under traffic loses no request
 * and the server is reported dead and removed → Low scales zone1 back in → SIGKILL of the leader
 * and every balancer learns the new leader and its higher term. App servers run the scenarios in
 * `simulate` mode so the test does not depend on spare cores.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, clusterReady, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import type { ClusterState, ContainerRecord } from '../../server/shared/types.ts';
import { startTraffic } from '../support/traffic.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-it-'));
const basePort = testBasePort('cluster-test');
let cluster: Cluster;

const zone = (s: ClusterState, z: string) => s.zones.find((x) => x.zone === z)!;
const auth = () => ({ authorization: `Bearer ${cluster.token}`, 'content-type': 'application/json' });
const getJson = async <T>(url: string): Promise<T> =>
  (await fetch(url, { signal: AbortSignal.timeout(2_000) })).json() as Promise<T>;
const leaderUrl = async () => (await cluster.state())!.leader!.url;
const containers = async () =>
  (await getJson<{ containers: ContainerRecord[] }>(`${await leaderUrl()}/containers`)).containers;

beforeAll(async () => {
  cluster = await startCluster({
    basePort,
    dataDir,
    cluster: 'it',
    token: randomBytes(24).toString('hex'),
    scenarioMode: 'simulate',
    logLevel: 'warn',
  });
  await cluster.waitFor('the cluster to be ready', (s) => clusterReady(s, 3), 90_000);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('the whole loop on one machine', () => {
  test('the highest monitor leads and every zone has a balancer and one app server', async () => {
    // "Ready" may be seen while a lower id still leads (it announced first); the highest live id
    // must then take over within a few election rounds.
    await cluster.waitFor('monitor 3 to lead', (st) => st.leader?.id === 3, 15_000);
    const s = (await cluster.state())!;
    expect(s.leader?.id).toBe(3);
    expect(s.leader!.term).toBeGreaterThanOrEqual(1);
    expect(s.zones.map((z) => z.zone).sort()).toEqual(['zone1', 'zone2', 'zone3']);
    for (const z of s.zones) {
      expect(z.replicas).toBe(1);
      expect(z.balancer?.status).toBe('up');
    }
    expect(s.monitors.filter((m) => m.status !== 'down')).toHaveLength(3);
  });

  test('control-plane calls without the token or with bad bodies are refused and change nothing', async () => {
    const s = (await cluster.state())!;
    const bal = zone(s, 'zone2').balancer!.url;
    const before = await getJson<unknown>(`${bal}/pools`);
    const put = (path: string, body: string, headers: Record<string, string>) =>
      fetch(`${bal}${path}`, { method: 'PUT', body, headers });
    expect(
      (
        await put('/servers', JSON.stringify({ add: ['http://127.0.0.1:1'] }), {
          'content-type': 'application/json',
        })
      ).status,
    ).toBe(401);
    expect((await put('/servers', '{"add": ["not a url"]}', auth())).status).toBe(400);
    expect((await put('/servers', '{"add": [', auth())).status).toBe(400);
    expect(
      (await put('/monitor', JSON.stringify({ address: 'http://127.0.0.1:1', term: 0 }), auth())).status,
    ).toBe(409);
    expect(await getJson<unknown>(`${bal}/pools`)).toEqual(before);
    const leader = s.leader!.url;
    const report = await fetch(`${leader}/report`, {
      method: 'PUT',
      body: JSON.stringify({ zone: 'zone2', servers: [zone(s, 'zone2').servers[0]!.url] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(report.status).toBe(401);
    const election = await fetch(`${leader}/election`, {
      method: 'POST',
      body: '{"from":1,"term":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(election.status).toBe(401);
    const after = (await cluster.state())!;
    expect(zone(after, 'zone2').servers.map((x) => x.id)).toEqual(zone(s, 'zone2').servers.map((x) => x.id));
    const badScenario = await fetch(`${zone(s, 'zone2').servers[0]!.url}/scenario`, {
      method: 'POST',
      body: '{"mode":"high"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(badScenario.status).toBe(401);
  });

  test('High CPU on zone1 grows zone1 to two servers, with the reason recorded', async () => {
    const app = zone((await cluster.state())!, 'zone1').servers[0]!;
    const res = await fetch(`${app.url}/scenario`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ mode: 'high' }),
    });
    expect(res.status).toBe(200);
    const s = await cluster.waitFor(
      'zone1 to reach 2 alive servers',
      (st) => zone(st, 'zone1').servers.filter((x) => x.state === 'alive').length >= 2,
      60_000,
    );
    expect(
      s.events.some((e) => e.zone === 'zone1' && e.kind === 'scale-up' && e.reason === 'AboveHighThreshold'),
    ).toBe(true);
    expect(zone(s, 'zone2').replicas).toBe(1);
  }, 70_000);

  test('traffic through the zone1 balancer reaches both of its servers', async () => {
    const s = (await cluster.state())!;
    const { done } = startTraffic(`${zone(s, 'zone1').balancer!.url}/api/hello`, {
      durationMs: 2_000,
      maxRequests: 200,
      concurrency: 2,
    });
    const r = await done;
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(r.sent);
    expect(Object.keys(r.servers).sort()).toEqual(
      zone(s, 'zone1')
        .servers.filter((x) => x.state === 'alive')
        .map((x) => x.id)
        .sort(),
    );
  });

  test('SIGKILL of an app under traffic loses no request; it is found dead, reported and removed', async () => {
    const s = (await cluster.state())!;
    const z1 = zone(s, 'zone1');
    const victim = [...z1.servers].sort((a, b) => b.createdAt - a.createdAt)[0]!;
    const record = (await containers()).find((c) => c.id === victim.id)!;
    const traffic = startTraffic(`${z1.balancer!.url}/api/hello`, {
      durationMs: 6_000,
      maxRequests: 3_000,
      concurrency: 4,
    });
    await Bun.sleep(500);
    process.kill(Number(record.runtimeId), 'SIGKILL');
    const r = await traffic.done;
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(r.sent);
    expect(r.sent).toBeGreaterThan(50);
    const after = await cluster.waitFor(
      `${victim.id} to be reported dead and removed`,
      (st) =>
        st.events.some((e) => e.kind === 'remove-dead' && e.serverId === victim.id) &&
        !zone(st, 'zone1').servers.some((x) => x.id === victim.id),
      30_000,
    );
    expect((await containers()).some((c) => c.id === victim.id)).toBe(false);
    expect(after.events.find((e) => e.serverId === victim.id && e.kind === 'remove-dead')?.reason).toBe(
      'DeadServerReported',
    );
  }, 45_000);

  test('Low CPU shrinks zone1 back to one server', async () => {
    const s = (await cluster.state())!;
    const oldest = [...zone(s, 'zone1').servers].sort((a, b) => a.createdAt - b.createdAt)[0]!;
    const res = await fetch(`${oldest.url}/scenario`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ mode: 'low' }),
    });
    expect(res.status).toBe(200);
    const after = await cluster.waitFor(
      'zone1 back to 1 replica',
      (st) => zone(st, 'zone1').replicas === 1,
      60_000,
    );
    expect(
      after.events.some(
        (e) => e.zone === 'zone1' && e.kind === 'scale-down' && e.reason === 'BelowLowThreshold',
      ),
    ).toBe(true);
    expect(zone(after, 'zone1').servers[0]!.id).toBe(oldest.id);
  }, 70_000);

  test('SIGKILL of the leader: every balancer learns the new leader and its higher term', async () => {
    const s = (await cluster.state())!;
    const old = s.leader!;
    const proc = cluster.monitors.find((m) => m.id === old.id)!.proc!;
    proc.kill('SIGKILL');
    await proc.exited;
    const after = await cluster.waitFor(
      'a new leader',
      (st) => st.leader !== null && st.leader.id !== old.id && st.leader.term > old.term,
      15_000,
    );
    expect(after.leader!.id).toBe(2);
    const balancers = after.zones.map((z) => z.balancer!.url);
    const deadline = Date.now() + 10_000;
    let views: { address: string; term: number }[] = [];
    while (Date.now() < deadline) {
      views = await Promise.all(
        balancers.map((b) => getJson<{ address: string; term: number }>(`${b}/monitor`)),
      );
      if (views.every((v) => v.term === after.leader!.term)) break;
      await Bun.sleep(200);
    }
    for (const v of views) {
      expect(v.term).toBe(after.leader!.term);
      expect(v.address).toBe(after.leader!.url);
    }
  }, 30_000);
});

/**
 * Leadership that cannot split, with real processes (`startCluster`: collector, three monitors, and
 * the balancers and app servers the leader starts): the leader is paused with SIGSTOP past its
 * lease, a new leader takes a higher term and every balancer follows it; then the old leader is
 * resumed with SIGCONT while traffic and the periods go on. It must accept its successor: none of
 * its writes lands (no registry event of its term after the pause, no change to the containers, the
 * balancers keep the new leader and term), and it steps down: it follows the new leader, or (the
 * bully algorithm lets the highest live id lead) wins a fresh election with a newer term.
 * Every process and temp file is cleaned up, and the paused process resumed, even on failure.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRuntime } from '../../server/adapters/select.ts';
import { type Cluster, clusterReady, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import type { ClusterEvent, ContainerRecord } from '../../server/shared/types.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-fencing-'));
const basePort = testBasePort('fencing-test');
let cluster: Cluster;
let pausedPid: number | null = null;

const getJson = async <T>(url: string): Promise<T> =>
  (await fetch(url, { signal: AbortSignal.timeout(2_000) })).json() as Promise<T>;

beforeAll(async () => {
  cluster = await startCluster({
    basePort,
    dataDir,
    cluster: 'fence',
    token: randomBytes(24).toString('hex'),
    scenarioMode: 'simulate',
    logLevel: 'info',
  });
  await cluster.waitFor('the cluster to be ready', (s) => clusterReady(s, 3), 90_000);
}, 120_000);

afterAll(async () => {
  if (pausedPid !== null) {
    try {
      process.kill(pausedPid, 'SIGCONT');
    } catch {}
  }
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('fenced leadership', () => {
  test('a leader paused past its lease is replaced, and once resumed none of its writes is accepted and it follows', async () => {
    const before = (await cluster.state())!;
    // Usually monitor 3; a replica slow to boot under load may follow another that claimed first.
    const old = before.leader!;
    const oldMonitor = cluster.monitors.find((m) => m.id === old.id)!;
    const proc = oldMonitor.proc!;
    const balancers = before.zones.map((z) => z.balancer!.url);

    pausedPid = proc.pid;
    process.kill(proc.pid, 'SIGSTOP');
    const stoppedAt = Date.now();
    const after = await cluster.waitFor(
      'a new leader with a higher term',
      (s) => s.leader !== null && s.leader.id !== old.id && s.leader.term > old.term,
      20_000,
    );
    const fresh = after.leader!;
    // A lower id waits for the old lease to lapse before claiming (a higher one may preempt).
    if (fresh.id < old.id) expect(fresh.since).toBeGreaterThanOrEqual(old.leaseUntil ?? 0);
    const monitorOf = () =>
      Promise.all(balancers.map((b) => getJson<{ address: string; term: number }>(`${b}/monitor`)));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !(await monitorOf()).every((v) => v.term === fresh.term))
      await Bun.sleep(100);
    // Let a few periods of the new leader pass with the old one still paused.
    await Bun.sleep(2_500);
    const containersBefore = (await getJson<{ containers: ContainerRecord[] }>(`${fresh.url}/containers`))
      .containers;

    process.kill(proc.pid, 'SIGCONT');
    pausedPid = null;
    const resumedAt = Date.now();
    // Several of its periods (2 s), lease renewals and term checks.
    const health = await (async () => {
      const until = Date.now() + 15_000;
      for (;;) {
        const h = await getJson<{ role: string; term: number; leaderId: number | null }>(
          `${oldMonitor.url}/health_check`,
        ).catch(() => null);
        const settled = h && ((h.role === 'follower' && h.leaderId === fresh.id) || h.term > fresh.term);
        if (settled || Date.now() > until) return h;
        await Bun.sleep(200);
      }
    })();
    await Bun.sleep(4_000);

    // It stepped down: it follows the new leader, or (bully: the highest live id leads) it won a
    // fresh election with a term above its successor's — never acting on its old term.
    expect(health).not.toBeNull();
    if (health!.term === fresh.term) expect(health).toMatchObject({ role: 'follower', leaderId: fresh.id });
    else expect(health!.term).toBeGreaterThan(fresh.term);
    const state = (await cluster.state())!;
    const current = state.leader!;
    expect(current.term).toBeGreaterThanOrEqual(fresh.term);
    for (const v of await monitorOf()) expect(v).toEqual({ address: current.url, term: current.term });
    const events = (await getJson<{ containers: ContainerRecord[] }>(`${current.url}/containers`)).containers;
    expect(events.map((c) => c.id).sort()).toEqual(containersBefore.map((c) => c.id).sort());
    const stale = state.events.filter((e: ClusterEvent) => e.term <= old.term && e.ts >= stoppedAt);
    expect(stale).toEqual([]);
    // The runtime holds exactly what the registry holds: the old leader started and stopped nothing.
    const runtime = openRuntime({ runtime: 'process', dataDir, cluster: 'fence' });
    const held = (await runtime.list()).filter((c) => c.running).map((c) => c.id);
    expect(held.sort()).toEqual(containersBefore.map((c) => c.id).sort());
    // Its own log says why it stepped down.
    const log = readFileSync(join(dataDir, 'fence', 'logs', `monitor-${old.id}.log`), 'utf8');
    const afterResume = log
      .split('\n')
      .filter((l) => Date.parse(/"time":"([^"]+)"/.exec(l)?.[1] ?? '') >= resumedAt - 50);
    expect(afterResume.some((l) => /stepped down|lease renewal refused/.test(l))).toBe(true);
  }, 90_000);
});

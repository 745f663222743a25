/**
 * The chaos run's actions, one function a kind: SIGKILL an app server, a zone's balancer or the
 * leader monitor, or restart Redis. Each records what it did (`Kill`) and returns the promise that
 * fills in how long the cluster took to recover; a balancer kill also opens its zone's down window.
 */
import type { ContainerRuntime } from '../../server/adapters/runtime.ts';
import type { Cluster } from '../../server/dev/cluster.ts';
import { serviceCtl } from '../../test/services/services.ts';
import { getJson, type Pools, until } from '../support/cluster-probe.ts';
import type { DownWindow } from './failures.ts';
import type { ChaosAction } from './schedule.ts';

/** One action done: when (epoch ms), what, and how long until the cluster recovered. */
export interface Kill {
  at: number;
  kind: ChaosAction['kind'];
  target: string;
  zone: string | null;
  /** ms until recovered (balancer answering / new leader / server replaced / Redis answering), null if not seen. */
  recoveryMs: number | null;
}

/** What the actions act on: the running cluster, its runtime, each zone's balancer URL. */
export interface ChaosTargets {
  cluster: Cluster;
  runtime: ContainerRuntime;
  zones: readonly string[];
  balancers: ReadonlyMap<string, string>;
}

/** An action's record, the promise that fills in its `recoveryMs`, and the down window it opened. */
export interface Done {
  kill: Kill;
  recovery: Promise<void>;
  down?: DownWindow;
}

/** How long an action waits for its recovery before it counts as not seen (ms). */
const RECOVERY_TIMEOUT_MS = 60_000;

/** Does `a` (its `pick` in [0, 1) chooses the target); null when there was nothing of its kind to kill. */
export function act(a: ChaosAction, t: ChaosTargets): Promise<Done | null> {
  switch (a.kind) {
    case 'app':
      return killApp(a.pick, t);
    case 'balancer':
      return killBalancer(a.pick, t);
    case 'leader':
      return killLeader(t);
    case 'redis-restart':
      return restartRedis();
  }
}

/** SIGKILLs an app server; recovered once the registry no longer holds it and its zone has two alive servers again. */
async function killApp(pick: number, t: ChaosTargets): Promise<Done | null> {
  const apps = (await t.runtime.list()).filter((x) => x.role === 'app' && x.running);
  const v = apps[Math.floor(pick * apps.length)];
  if (!v) return null;
  const at = Date.now();
  process.kill(Number(v.runtimeId), 'SIGKILL');
  const kill: Kill = { at, kind: 'app', target: v.id, zone: v.zone, recoveryMs: null };
  const replaced = async () => {
    const z = (await t.cluster.state())?.zones.find((x) => x.zone === v.zone);
    return (
      !!z && !z.servers.some((x) => x.id === v.id) && z.servers.filter((x) => x.state === 'alive').length >= 2
    );
  };
  const recovery = until(replaced, RECOVERY_TIMEOUT_MS, 100).then(
    (r) => void (kill.recoveryMs = r && r - at),
  );
  return { kill, recovery };
}

/** SIGKILLs a zone's balancer; recovered once its URL answers `/pools` with an alive server again. */
async function killBalancer(pick: number, t: ChaosTargets): Promise<Done | null> {
  const zone = t.zones[Math.floor(pick * t.zones.length)]!;
  const b = (await t.runtime.list()).find((x) => x.role === 'balancer' && x.zone === zone && x.running);
  if (!b) return null;
  const at = Date.now();
  process.kill(Number(b.runtimeId), 'SIGKILL');
  const kill: Kill = { at, kind: 'balancer', target: b.id, zone, recoveryMs: null };
  const down: DownWindow = { zone, from: at, to: Number.POSITIVE_INFINITY };
  const answering = async () => {
    const p = await getJson<Pools>(`${t.balancers.get(zone)}/pools`, 300);
    return !!p && p.alive.length > 0;
  };
  const recovery = until(answering, RECOVERY_TIMEOUT_MS, 20).then((r) => {
    kill.recoveryMs = r && r - at;
    down.to = r ?? Number.POSITIVE_INFINITY;
  });
  return { kill, recovery, down };
}

/** SIGKILLs the leader monitor; recovered once another monitor leads at a higher term. Restarts the killed one after. */
async function killLeader(t: ChaosTargets): Promise<Done | null> {
  const old = (await t.cluster.state())?.leader;
  const proc = old && t.cluster.monitors.find((m) => m.id === old.id)?.proc;
  if (!old || !proc) return null;
  const at = Date.now();
  proc.kill('SIGKILL');
  const kill: Kill = { at, kind: 'leader', target: `monitor-${old.id}`, zone: null, recoveryMs: null };
  const newLeader = async () => {
    const l = (await t.cluster.state())?.leader;
    return !!l && l.term > old.term && l.id !== old.id;
  };
  const recovery = (async () => {
    const r = await until(newLeader, RECOVERY_TIMEOUT_MS, 20);
    kill.recoveryMs = r && r - at;
    await proc.exited;
    t.cluster.restartMonitor(old.id);
  })();
  return { kill, recovery };
}

/** Stops and starts Redis with the project's service script; its recovery is the time that took. @throws Error when the script fails. */
async function restartRedis(): Promise<Done> {
  const at = Date.now();
  await serviceCtl('down', 'redis');
  await serviceCtl('up', 'redis');
  const kill: Kill = { at, kind: 'redis-restart', target: 'redis', zone: null, recoveryMs: Date.now() - at };
  return { kill, recovery: Promise.resolve() };
}

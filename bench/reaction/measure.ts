/**
 * The three reaction times of the control plane, each measured once on a running cluster:
 * (a) scale-out: from the moment the zone's average CPU over the policy window, as the leader reads
 * it from the metrics store, crosses the high threshold, to the first request through the zone's
 * balancer answered by the new server; (b) leader failover: from SIGKILL of the leader to every
 * balancer holding one new leader and a higher term; (c) dead-server detection under traffic: from
 * SIGKILL of an app server to its leaving the balancer's alive pool. Times are ms.
 */
import type { MetricsStore } from '../../server/adapters/metrics-store.ts';
import type { ContainerRuntime, RuntimeContainer } from '../../server/adapters/runtime.ts';
import type { Cluster } from '../../server/dev/cluster.ts';
import { registeredAverage } from '../../server/monitor/autoscale/threshold-policy.ts';
import { containers, getJson, type Pools, paceTraffic, until } from '../support/cluster-probe.ts';

/** What every measurement needs. */
export interface Bench {
  cluster: Cluster;
  metrics: MetricsStore;
  runtime: ContainerRuntime;
  highCpu: number;
  windowMs: number;
  /** SIGKILLs an app server of the runtime (a process by pid, a container through Docker); resolves once sent. */
  kill(c: RuntimeContainer): Promise<void>;
}

/** The URL a balancer reaches a server on: its node's address on a multi-node runtime, else loopback. */
const urlOf = (c: RuntimeContainer) => `http://${c.address ?? '127.0.0.1'}:${c.port}`;

const balancerOf = async (b: Bench, zone: string) =>
  (await b.cluster.state())?.zones.find((z) => z.zone === zone)?.balancer?.url ?? null;

/** Sets every app server of `zone` to `mode` (cluster token). */
export async function setScenario(b: Bench, zone: string, mode: 'high' | 'low' | 'off'): Promise<void> {
  const apps = (await containers(await b.cluster.state())).filter((c) => c.role === 'app' && c.zone === zone);
  await Promise.all(
    apps.map((a) =>
      fetch(`${a.url}/scenario`, {
        method: 'POST',
        headers: { authorization: `Bearer ${b.cluster.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ mode }),
        signal: AbortSignal.timeout(2_000),
      }).catch(() => null),
    ),
  );
}

/** (a) One scale-out of `zone` (which must have one server, idle). @throws Error on timeout */
export async function scaleOut(b: Bench, zone: string): Promise<number> {
  const s = await b.cluster.state();
  const apps = (await containers(s)).filter((c) => c.role === 'app' && c.zone === zone);
  if (apps.length !== 1) throw new Error(`${zone} has ${apps.length} servers, expected 1`);
  const ids = new Set(apps.map((a) => a.id));
  const balancer = await balancerOf(b, zone);
  if (!balancer) throw new Error(`${zone} has no balancer`);
  const traffic = paceTraffic(balancer, { everyMs: 10, loops: 2 });
  try {
    await setScenario(b, zone, 'high');
    const crossed = await until(async () => {
      const now = Date.now();
      const cpu = await b.metrics.zoneCpu(zone, now - b.windowMs, now);
      return (registeredAverage(cpu.perServer, ids) ?? 0) > b.highCpu;
    }, 60_000);
    if (crossed === null) throw new Error(`${zone} never crossed ${b.highCpu} %`);
    const answered = await until(
      async () => traffic.hits.some((h) => h.t >= crossed && h.server !== null && !ids.has(h.server)),
      30_000,
      5,
    );
    if (answered === null) throw new Error(`no new server answered in ${zone}`);
    const first = traffic.hits.find((h) => h.t >= crossed && h.server !== null && !ids.has(h.server))!;
    return first.t - crossed;
  } finally {
    await traffic.stop();
    await setScenario(b, zone, 'off');
  }
}

/** (b) One failover: SIGKILL the leader, wait for every balancer to hold the new one, restart the old. */
export async function failover(b: Bench): Promise<number> {
  const s = await b.cluster.state();
  const old = s?.leader;
  if (!s || !old) throw new Error('no leader');
  const balancers = s.zones.map((z) => z.balancer?.url).filter((u): u is string => !!u);
  const proc = b.cluster.monitors.find((m) => m.id === old.id)?.proc;
  if (!proc) throw new Error(`no process for monitor ${old.id}`);
  const killedAt = Date.now();
  proc.kill('SIGKILL');
  const done = await until(
    async () => {
      const views = await Promise.all(
        balancers.map((u) => getJson<{ address: string; term: number }>(`${u}/monitor`, 500)),
      );
      const first = views[0];
      return (
        !!first &&
        first.term > old.term &&
        first.address !== old.url &&
        views.every((v) => v?.term === first.term && v.address === first.address)
      );
    },
    30_000,
    10,
  );
  await proc.exited;
  b.cluster.restartMonitor(old.id);
  if (done === null) throw new Error('the balancers never learned a new leader');
  return done - killedAt;
}

/**
 * (c) One dead-server detection under traffic in `zone`: SIGKILL one of its alive app servers with
 * `b.kill`; the clock starts before the kill is sent (on Docker it includes the API call).
 */
export async function deadServer(b: Bench, zone: string): Promise<number> {
  const balancer = await balancerOf(b, zone);
  if (!balancer) throw new Error(`${zone} has no balancer`);
  // A replacement may be registered before the balancer's pool or the runtime shows it: retry a while.
  let victim: RuntimeContainer | undefined;
  await until(
    async () => {
      const pools = await getJson<Pools>(`${balancer}/pools`);
      const held = (await b.runtime.list()).filter((c) => c.role === 'app' && c.zone === zone && c.running);
      victim = held.find((c) => pools?.alive.some((a) => a.url === urlOf(c)));
      return victim !== undefined;
    },
    15_000,
    100,
  );
  if (!victim) throw new Error(`${zone} has no alive app server`);
  const url = urlOf(victim);
  const traffic = paceTraffic(balancer, { everyMs: 20, loops: 2 });
  try {
    await Bun.sleep(300);
    const killedAt = Date.now();
    await b.kill(victim);
    const gone = await until(
      async () => {
        const p = await getJson<Pools>(`${balancer}/pools`, 500);
        return !!p && !p.alive.some((a) => a.url === url);
      },
      30_000,
      5,
    );
    if (gone === null) throw new Error(`${url} never left the alive pool`);
    return gone - killedAt;
  } finally {
    await traffic.stop();
  }
}

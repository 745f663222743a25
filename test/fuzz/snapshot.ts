/**
 * The control-plane state of a running cluster as its public GETs show it, for the fuzz suite's
 * "state unchanged after the runs without the token" check: the leader and its term, each
 * monitor's election view and load run, the registry's containers, each zone's servers and
 * scenarios, each balancer's pool members, term and leader monitor, the gateway's zone table, and
 * the control events (every kind but `decision`). Health-driven fields that move on their own (CPU,
 * in-flight counts, alive vs disconnected, `since` stamps, lease times) are left out, so only a
 * control call can change a snapshot.
 */
import type { ClusterState, ContainerRecord } from '../../server/shared/types.ts';

/** One snapshot; every value is plain JSON so two snapshots compare by `JSON.stringify`. */
export interface ControlSnapshot {
  leader: { id: number; url: string; term: number } | null;
  monitors: unknown[];
  containers: ContainerRecord[];
  zones: unknown[];
  balancers: unknown[];
  gateway: unknown;
  scenarios: Record<string, unknown>;
  loadRuns: unknown[];
  /** The control events (kind other than `decision`) the leader lists, as `id kind reason: message`. */
  controlEvents: string[];
}

async function getJson(url: string): Promise<unknown> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return res.ok ? await res.json() : { status: res.status };
  } catch (err) {
    return { unreachable: String((err as Error).message ?? err) };
  }
}

const sortedUrls = (xs: { url: string }[] | undefined) => (xs ?? []).map((x) => x.url).sort();

function zoneView(z: ClusterState['zones'][number]) {
  return {
    zone: z.zone,
    replicas: z.replicas,
    balancer: z.balancer ? { id: z.balancer.id, url: z.balancer.url } : null,
    servers: z.servers
      .map((s) => ({ id: s.id, url: s.url, createdAt: s.createdAt, scenario: s.scenario }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    strayServers: sortedUrls(z.strayServers),
  };
}

async function balancerView(url: string) {
  const p = (await getJson(`${url}/pools`)) as Record<string, unknown> & {
    alive?: { url: string }[];
    disconnected?: { url: string }[];
    dead?: { url: string }[];
  };
  if (!Array.isArray(p.alive)) return { url, pools: p };
  const members = [...sortedUrls(p.alive), ...sortedUrls(p.disconnected), ...sortedUrls(p.dead)].sort();
  const { zone, strategy, hashKey, term, monitor } = p;
  return { url, zone, strategy, hashKey, term, monitor, members };
}

async function gatewayView(url: string) {
  const g = (await getJson(`${url}/zones`)) as {
    term?: number;
    affinity?: string;
    zones?: { zone: string; url: string }[];
  };
  if (!Array.isArray(g.zones)) return g;
  return { term: g.term, affinity: g.affinity, zones: g.zones.map((z) => ({ zone: z.zone, url: z.url })) };
}

/**
 * Reads the snapshot through `monitorUrls` (the leader's view when one answers) and `gatewayUrl`.
 * Never throws: an unreachable part is recorded as `{ unreachable }`, which differs from any real value.
 */
export async function takeSnapshot(monitorUrls: string[], gatewayUrl: string): Promise<ControlSnapshot> {
  const states = (await Promise.all(monitorUrls.map((u) => getJson(`${u}/state`)))) as ClusterState[];
  const leaderUrl = states.find((s) => s?.leader)?.leader?.url;
  const state = (leaderUrl ? ((await getJson(`${leaderUrl}/state`)) as ClusterState) : null) ?? null;
  const source = leaderUrl ?? monitorUrls[0]!;
  const containers =
    ((await getJson(`${source}/containers`)) as { containers?: ContainerRecord[] }).containers ?? [];
  containers.sort((a, b) => a.id.localeCompare(b.id));
  const apps = containers.filter((c) => c.role === 'app');
  const scenarios = Object.fromEntries(
    await Promise.all(
      apps.map(async (a) => [
        a.id,
        ((await getJson(`${a.url}/health_check`)) as { scenario?: unknown }).scenario,
      ]),
    ),
  );
  return {
    leader: state?.leader ? { id: state.leader.id, url: state.leader.url, term: state.leader.term } : null,
    monitors: await Promise.all(monitorUrls.map((u) => getJson(`${u}/health_check`))),
    containers,
    zones: (state?.zones ?? []).map(zoneView),
    balancers: await Promise.all(
      containers.filter((c) => c.role === 'balancer').map((b) => balancerView(b.url)),
    ),
    gateway: await gatewayView(gatewayUrl),
    scenarios,
    loadRuns: await Promise.all(monitorUrls.map((u) => getJson(`${u}/control/load`))),
    controlEvents: (state?.events ?? [])
      .filter((e) => e.kind !== 'decision')
      .map((e) => `${e.id} ${e.kind} ${e.reason}: ${e.message}`),
  };
}

function differs(what: string, a: unknown, b: unknown): string[] {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x === y ? [] : [`${what}: before ${x?.slice(0, 800)}\n    after  ${y?.slice(0, 800)}`];
}

/**
 * The differences between two snapshots, one line each (empty when equal). Control events are
 * compared as "no event in `after` that `before` did not list" (the list is capped at 100).
 */
export function diffSnapshots(before: ControlSnapshot, after: ControlSnapshot): string[] {
  const out: string[] = [];
  for (const key of Object.keys(before) as (keyof ControlSnapshot)[]) {
    if (key === 'controlEvents') continue;
    const a = before[key];
    const b = after[key];
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((x, i) => out.push(...differs(`${key}[${i}]`, x, b[i])));
    } else out.push(...differs(key, a, b));
  }
  const known = new Set(before.controlEvents);
  for (const e of after.controlEvents.filter((x) => !known.has(x))) out.push(`new control event: ${e}`);
  return out;
}

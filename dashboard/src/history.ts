/**
 * Client-side time series of the dashboard, kept across monitor reconnects: per-zone average CPU
 * (seeded by the `history` SSE event, then one point per zone per `state` tick) and replicas per
 * zone (collected from `state` ticks only). Pure functions over immutable arrays: no clock, no I/O;
 * the caller passes the cut-off time.
 */
import type { ClusterState, CpuHistory, CpuPoint } from '../../server/shared/types.ts';

/** Per-zone CPU series: zone → points (epoch ms, %), oldest first, unique `t`. */
export type CpuSeries = Record<string, CpuPoint[]>;

/** Replicas of every zone at one instant: `t` epoch ms, `counts` zone → replicas. */
export type ReplicaRow = { t: number; counts: Record<string, number> };

/** How much history the dashboard keeps in memory, ms (the widest chart window, 15 min). */
export const KEEP_MS = 15 * 60_000;

/** The chart windows an operator can pick, ms (1, 5, 15 min). */
export const CHART_WINDOWS_MS = [60_000, 5 * 60_000, 15 * 60_000] as const;

/** Per-server CPU for the sparklines: server id → the last `SPARK_POINTS` values (%), oldest first. */
export type ServerCpuSeries = Record<string, number[]>;

/** Points per server sparkline (one a second: the last minute). */
export const SPARK_POINTS = 60;

/**
 * Appends each server's latest CPU from a `state` tick (servers without a sample are skipped;
 * servers no longer in the state are dropped), keeping the last `SPARK_POINTS` values.
 */
export function appendServerCpu(current: ServerCpuSeries, state: ClusterState): ServerCpuSeries {
  const out: ServerCpuSeries = {};
  for (const z of state.zones)
    for (const s of z.servers) {
      const prev = current[s.id] ?? [];
      out[s.id] = s.cpu === null ? prev : [...prev, s.cpu].slice(-SPARK_POINTS);
    }
  return out;
}

/** The chart window, ms (about five minutes on the X axis). */
export const WINDOW_MS = 5 * 60_000;

/** Merges two oldest-first point lists into one, oldest first, one point per `t` (incoming wins). */
function mergePoints(a: readonly CpuPoint[], b: readonly CpuPoint[]): CpuPoint[] {
  const byT = new Map<number, CpuPoint>();
  for (const p of a) byT.set(p.t, p);
  for (const p of b) byT.set(p.t, p);
  return [...byT.values()].sort((x, y) => x.t - y.t);
}

/**
 * Merges a monitor's `history` event into what the dashboard already has (points older than
 * `cutoff` epoch ms are dropped). Used on every (re)connect so a failover keeps the chart.
 */
export function mergeHistory(current: CpuSeries, incoming: CpuHistory, cutoff: number): CpuSeries {
  const out: CpuSeries = {};
  const zones = new Set([...Object.keys(current), ...Object.keys(incoming)]);
  for (const zone of zones) {
    const merged = mergePoints(
      current[zone] ?? [],
      (incoming[zone] ?? []).filter((p) => Number.isFinite(p.cpu)),
    );
    out[zone] = merged.filter((p) => p.t >= cutoff);
  }
  return out;
}

/**
 * Appends one point per zone from a `state` tick (`t = state.now`, `cpu = zone.avgCpu`), skipping
 * zones whose average is null and ticks not newer than the zone's last point; drops points older
 * than `state.now - KEEP_MS`.
 */
export function appendCpuTick(current: CpuSeries, state: ClusterState): CpuSeries {
  const cutoff = state.now - KEEP_MS;
  const out: CpuSeries = {};
  for (const [zone, points] of Object.entries(current)) out[zone] = points;
  for (const z of state.zones) {
    const points = out[z.zone] ?? [];
    const last = points[points.length - 1];
    if (z.avgCpu === null || (last !== undefined && last.t >= state.now)) {
      out[z.zone] = points;
      continue;
    }
    out[z.zone] = [...points, { t: state.now, cpu: z.avgCpu }];
  }
  for (const zone of Object.keys(out)) {
    const points = out[zone] ?? [];
    if (points.length > 0 && (points[0]?.t ?? cutoff) < cutoff)
      out[zone] = points.filter((p) => p.t >= cutoff);
  }
  return out;
}

/**
 * Appends the replicas of every zone at `state.now` (skipped when not newer than the last row);
 * keeps rows of the last `KEEP_MS`.
 */
export function appendReplicaTick(rows: readonly ReplicaRow[], state: ClusterState): ReplicaRow[] {
  const last = rows[rows.length - 1];
  if (last !== undefined && last.t >= state.now) return [...rows];
  const counts: Record<string, number> = {};
  for (const z of state.zones) counts[z.zone] = z.replicas;
  const cutoff = state.now - KEEP_MS;
  return [...rows.filter((r) => r.t >= cutoff), { t: state.now, counts }];
}

/**
 * Replicas per zone before the page collected any ticks, reconstructed from the state's scaling
 * events (those with `from`/`to`): walking back from the current replicas, a zone had `from` before
 * each of its events. Returns rows oldest first, from `since` (epoch ms) up to just before
 * `until` (normally the first collected row, or `state.now`). Best effort: healing events without
 * `from`/`to` are not reflected. A zone whose rebuilt count is 0 is left out of that row: before
 * its first server was created (`0 -> 1`) the zone, and usually the cluster, did not exist yet, so
 * the chart draws no point there rather than a line at 0 (a zone never keeps 0 servers: the
 * minimum is 1 and a lost last server is replaced at once). When no event is older than `since`
 * and some zone still has servers once every event is undone, the rows start at the oldest event
 * instead: the state holds only the newest events (100), so what came before them is not known,
 * and a zone whose creation fell out of the list would otherwise be drawn from `since`, before the
 * cluster existed. With no event at all they start at `since`.
 */
export function replicaRowsFromEvents(state: ClusterState, since: number, until: number): ReplicaRow[] {
  const counts: Record<string, number> = {};
  for (const z of state.zones) counts[z.zone] = z.replicas;
  const rows: ReplicaRow[] = [];
  const existing = () => Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
  // state.events is newest first: undo each scaling event to learn the count before it.
  for (const e of state.events) {
    if (e.ts < since) break;
    if (e.zone === null || e.from === null || e.to === null || !(e.zone in counts)) continue;
    if (e.ts < until) rows.push({ t: e.ts, counts: existing() });
    counts[e.zone] = e.from;
  }
  // Known back to `since`: an event is older, there is none, or every zone is undone to 0 servers.
  const oldest = state.events.at(-1)?.ts;
  const known = oldest === undefined || oldest < since || Object.keys(existing()).length === 0;
  const start = known ? since : oldest;
  // A scaling event at `start` already gave its row: the counts from then on.
  if (start < until && rows.at(-1)?.t !== start) rows.push({ t: start, counts: existing() });
  return rows.reverse();
}

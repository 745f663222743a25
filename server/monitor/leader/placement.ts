/**
 * Pure placement rules of the leader: which port a zone's balancer listens on, what id and port a
 * new app server gets (ports per node on a multi-node runtime), and which app server a scale-in
 * removes. Ports and ids are derived from what the registry and the runtime already hold, so two
 * leaders in a row agree without extra state.
 */
import type { ContainerRecord, ZoneId } from '../../shared/types.ts';

/** The zone number from its trailing digits (`zone3` -> 3). @throws RangeError when it has none. */
export function zoneNumber(zone: ZoneId): number {
  const m = /(\d+)$/.exec(zone);
  if (!m)
    throw new RangeError(
      `zone "${zone}" has no trailing number, so it has no balancer port (name zones zone1, zone2, …)`,
    );
  return Number(m[1]);
}

/** The balancer port of `zone`: base + (zone number - 1); zone1 -> base. @throws RangeError */
export function balancerPort(zone: ZoneId, base: number): number {
  return base + zoneNumber(zone) - 1;
}

/** The id of a zone's balancer: `<zone>-balancer`. */
export function balancerId(zone: ZoneId): string {
  return `${zone}-balancer`;
}

/**
 * The ports of `records` taken on `node` (a multi-node runtime's node id; undefined = the leader's
 * own host): app ports are allocated per node, since servers on two nodes may share a port.
 */
export function portsOnNode(records: readonly { port: number; node?: string }[], node?: string): Set<number> {
  return new Set(records.filter((r) => r.node === node).map((r) => r.port));
}

/**
 * Next app id of `zone`: `<zone>-app-<n>` with n one above the highest number in `existingIds`
 * (ids of other zones and other shapes are ignored), so an id is never reused while it is known.
 */
export function nextAppId(zone: ZoneId, existingIds: Iterable<string>): string {
  const prefix = `${zone}-app-`;
  let max = 0;
  for (const id of existingIds) {
    if (!id.startsWith(prefix)) continue;
    const n = Number(id.slice(prefix.length));
    if (Number.isInteger(n) && n > max) max = n;
  }
  return `${prefix}${max + 1}`;
}

/** Ports of the inclusive range `[lo, hi]` not in `taken`, lowest first. */
export function freePorts(range: readonly [number, number], taken: ReadonlySet<number>): number[] {
  const out: number[] = [];
  for (let p = range[0]; p <= range[1]; p++) if (!taken.has(p)) out.push(p);
  return out;
}

/**
 * The app server a scale-in removes: the NEWEST of the zone (highest `createdAt`, then highest id),
 * as cloud autoscalers' "newest instance" policy does; the oldest keeps any UI a user has open.
 * Returns null when there is none.
 */
export function newestApp(records: readonly ContainerRecord[]): ContainerRecord | null {
  let best: ContainerRecord | null = null;
  for (const r of records) {
    if (r.role !== 'app') continue;
    if (
      !best ||
      r.createdAt > best.createdAt ||
      (r.createdAt === best.createdAt && r.id.localeCompare(best.id, 'en', { numeric: true }) > 0)
    )
      best = r;
  }
  return best;
}

/** Splits a space-separated flag string (`--a 1 --b 2`) into argv words, dropping empties. */
export function splitArgs(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}

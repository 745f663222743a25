/**
 * The gateway's view of the zones, as the leader pushes it (`PUT /zones {zones, term}`): which zone
 * balancer answers for which zone, fenced by the leader's term like a balancer's `PUT /servers` — an
 * older term is refused (`StaleTerm`, 409) and changes nothing, so a paused former leader cannot
 * undo its successor's push. Pure: `apply` returns the next table and the balancer URLs to add to
 * and remove from the pool.
 */
import { StaleTerm } from '../shared/errors.ts';

/** One zone and its balancer's origin URL. */
export interface ZoneRoute {
  zone: string;
  url: string;
}

/** The zones and the term of the push that set them. */
export interface ZoneTable {
  term: number;
  zones: readonly ZoneRoute[];
}

/** The change `apply` made: balancer URLs newly routed to and no longer routed to. */
export interface ZoneTableChange {
  next: ZoneTable;
  add: string[];
  remove: string[];
}

/** An empty table at term 0 (before the first push). */
export const EMPTY_TABLE: ZoneTable = { term: 0, zones: [] };

/**
 * Replaces `current` with `zones` pushed at `term` (zones sorted by name, URLs as origins).
 * A push at the same term is accepted (the leader repeats it every period).
 * @throws StaleTerm when `term` is older than `current.term`.
 */
export function applyZones(current: ZoneTable, zones: readonly ZoneRoute[], term: number): ZoneTableChange {
  if (term < current.term) throw new StaleTerm(term, current.term);
  const next: ZoneTable = {
    term,
    zones: [...zones]
      .map((z) => ({ zone: z.zone, url: new URL(z.url).origin }))
      .sort((a, b) => a.zone.localeCompare(b.zone, undefined, { numeric: true })),
  };
  const before = new Set(current.zones.map((z) => z.url));
  const after = new Set(next.zones.map((z) => z.url));
  return {
    next,
    add: [...after].filter((u) => !before.has(u)),
    remove: [...before].filter((u) => !after.has(u)),
  };
}

/** The zone a balancer URL serves, or null. */
export function zoneOf(table: ZoneTable, url: string): string | null {
  return table.zones.find((z) => z.url === url)?.zone ?? null;
}

/**
 * Parses `--zones zone1=http://127.0.0.1:8001,zone2=…` (initial zones before the leader's first push).
 * @throws Error naming the entry that is not `zone=url`.
 */
export function parseZoneList(s: string): ZoneRoute[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^([a-z][a-z0-9-]{0,31})=(https?:\/\/.+)$/.exec(part);
      if (!m) throw new Error(`zone "${part}" is not zone=url`);
      return { zone: m[1]!, url: new URL(m[2]!).origin };
    });
}

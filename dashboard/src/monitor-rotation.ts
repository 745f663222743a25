/**
 * Which monitor replica the dashboard streams from next when its current one fails. Pure: the
 * caller passes the monitors of the last known `ClusterState`, the failed source, recent failures
 * and `now`. Rule (ours, not the source design's): walk the monitors in id order starting after the
 * failed one (so repeated failures rotate through every replica), never pick the failed one while
 * another exists, and prefer replicas that neither failed in the last `RECENT_FAILURE_MS` nor are
 * reported `down` by the last state.
 */
import type { MonitorView } from '../../server/shared/types.ts';

/** A failure younger than this, ms, makes a monitor a last-resort candidate. */
export const RECENT_FAILURE_MS = 15_000;

/** A stream source: the monitor's origin URL and, when known, its id. */
export type Source = { url: string; id: number | null };

/** Normalizes a URL to its origin (`http://host:port`); returns the input when it is not a URL. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * Picks the next source after `failed`. `monitors` come from the last state (any order); `extra`
 * are origins to try when the state lists nothing else (e.g. the page's own origin); `failures` maps
 * origin → epoch ms of its last failure. Returns `failed` itself only when it is the only choice.
 */
export function nextSource(
  monitors: readonly MonitorView[],
  failed: Source,
  failures: Readonly<Record<string, number>>,
  now: number,
  extra: readonly string[] = [],
): Source {
  const failedUrl = originOf(failed.url);
  const sorted = [...monitors].sort((a, b) => a.id - b.id);
  const start = failed.id === null ? -1 : sorted.findIndex((m) => m.id === failed.id);
  const rotated = start < 0 ? sorted : [...sorted.slice(start + 1), ...sorted.slice(0, start + 1)];
  const candidates: { source: Source; down: boolean }[] = rotated.map((m) => ({
    source: { url: originOf(m.url), id: m.id },
    down: m.status === 'down',
  }));
  for (const url of extra) {
    const o = originOf(url);
    if (!candidates.some((c) => c.source.url === o))
      candidates.push({ source: { url: o, id: null }, down: false });
  }
  const others = candidates.filter(
    (c) => c.source.url !== failedUrl && (failed.id === null || c.source.id !== failed.id),
  );
  if (others.length === 0) return { url: failedUrl, id: failed.id };
  const score = (c: { source: Source; down: boolean }): number => {
    const lastFailure = failures[c.source.url];
    const recent = lastFailure !== undefined && now - lastFailure < RECENT_FAILURE_MS;
    return (recent ? 2 : 0) + (c.down ? 1 : 0);
  };
  let best = others[0]!;
  for (const c of others) if (score(c) < score(best)) best = c;
  return best.source;
}

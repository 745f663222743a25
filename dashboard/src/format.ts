/**
 * Display formatting for the dashboard: percentages, relative and clock times, host:port of URLs,
 * a noun after a count, and a stable colour per zone. Pure functions.
 */

/** `42.3 %` (one decimal), `—` for null. Input: % of one core. */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '—'
    : `${value.toFixed(digits)} %`;
}

/** `word` as it reads after the count `n`: `replica` for 1, `replicas` for 0 or 2 (plural by `s`). */
export function noun(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

/** Relative duration of `ms` (≥ 0): `4s`, `2m 05s`, `3h 12m`, `2d 4h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** `3m 05s ago` for an epoch-ms `then` seen from epoch-ms `now`. */
export function formatAgo(then: number, now: number): string {
  return `${formatDuration(now - then)} ago`;
}

/** Local wall-clock `HH:MM:SS` of epoch ms. */
export function formatClock(t: number): string {
  return new Date(t).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}

/** `127.0.0.1:7001` from `http://127.0.0.1:7001`; the input when it is not a URL. */
export function hostPort(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

const ZONE_COLORS = [
  '#3b82f6',
  '#a855f7',
  '#14b8a6',
  '#f59e0b',
  '#ec4899',
  '#84cc16',
  '#06b6d4',
  '#f97316',
  '#6366f1',
];

/** A stable colour for a zone: by its trailing number (`zone1` → first colour), else by a hash. */
export function zoneColor(zone: string): string {
  const n = /(\d+)$/.exec(zone);
  let i = n ? Number(n[1]) - 1 : [...zone].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  if (i < 0) i = 0;
  return ZONE_COLORS[i % ZONE_COLORS.length] ?? '#3b82f6';
}

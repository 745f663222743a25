/**
 * Shared X-axis helpers of the live charts: the visible window (`[now - WINDOW_MS, now]`, epoch ms)
 * and one tick a minute.
 */
import { WINDOW_MS } from '../history.ts';

/** `[start, end]` epoch ms of the chart window (`windowMs`, default 5 min) ending at `now`. */
export function windowDomain(now: number, windowMs: number = WINDOW_MS): [number, number] {
  return [now - windowMs, now];
}

/** Tick positions, epoch ms: every whole minute inside `[start, end]` (every 15 s for a window up to 2 min, every 3 min past 10 min). */
export function minuteTicks([start, end]: [number, number]): number[] {
  const span = end - start;
  const step = span <= 120_000 ? 15_000 : span > 600_000 ? 180_000 : 60_000;
  const ticks: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
  return ticks;
}

/** `HH:MM` of epoch ms, for ticks (`HH:MM:SS` when not on a whole minute). */
export function tickLabel(t: number): string {
  return new Date(t).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    ...(t % 60_000 !== 0 ? { second: '2-digit' } : {}),
    hour12: false,
  });
}

/**
 * Shared X-axis helpers of the live charts: the visible window (`[now - WINDOW_MS, now]`, epoch ms)
 * and one tick a minute.
 */
import { WINDOW_MS } from '../history.ts';

/** `[start, end]` epoch ms of the chart window ending at `now`. */
export function windowDomain(now: number): [number, number] {
  return [now - WINDOW_MS, now];
}

/** Tick positions, epoch ms: every whole minute inside `[start, end]`. */
export function minuteTicks([start, end]: [number, number]): number[] {
  const ticks: number[] = [];
  for (let t = Math.ceil(start / 60_000) * 60_000; t <= end; t += 60_000) ticks.push(t);
  return ticks;
}

/** `HH:MM` of epoch ms, for ticks. */
export function tickLabel(t: number): string {
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
}

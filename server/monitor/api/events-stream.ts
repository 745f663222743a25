/**
 * The dashboard's live feed. `StateHub` rebuilds the cluster view once a second (one build shared
 * by every subscriber) and tells subscribers about the new `state` and about each control-plane
 * event it has not seen before (`cluster-event`, oldest first). `eventsHandler` is the `GET /events`
 * SSE endpoint (hono/streaming `streamSSE`): on connect `event: history` (per-zone CPU history of
 * the last 15 minutes in 5 s buckets, `cpuHistory`), then `event: state` at once and every second, plus
 * `event: cluster-event` per new event, and a `: keep-alive` comment every 15 s; it unsubscribes
 * when the client goes away.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { MetricsStore } from '../../adapters/metrics-store.ts';
import type { Logger } from '../../shared/logger.ts';
import type { ClusterEvent, ClusterState, CpuHistory, ZoneId } from '../../shared/types.ts';

/** A message to subscribers. */
export type HubMessage =
  | { event: 'state'; data: ClusterState }
  | { event: 'cluster-event'; data: ClusterEvent };

/** Rebuilds the view every `intervalMs` (default 1 s) and fans it out. */
export class StateHub {
  private latestState: ClusterState | null = null;
  private readonly seen = new Set<string>();
  private readonly subs = new Set<(m: HubMessage) => void>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private building: Promise<ClusterState> | null = null;

  constructor(
    private readonly build: () => Promise<ClusterState>,
    private readonly log: Logger,
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => void this.refresh().catch((err) => this.log.warn({ err }, 'building the cluster view failed')),
      this.intervalMs,
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.subs.clear();
  }

  /** The last view built, or null before the first. */
  get latest(): ClusterState | null {
    return this.latestState;
  }

  /** Builds now (joining a build in flight), publishes, and returns the view. @throws what the build throws */
  refresh(): Promise<ClusterState> {
    if (!this.building) {
      this.building = this.build()
        .then((s) => {
          this.publish(s);
          return s;
        })
        .finally(() => {
          this.building = null;
        });
    }
    return this.building;
  }

  /** A view at most `maxAgeMs` old (default 1 s): the latest, or a fresh build. */
  async current(maxAgeMs = 1_000): Promise<ClusterState> {
    const l = this.latestState;
    if (l && Date.now() - l.now <= maxAgeMs) return l;
    return this.refresh();
  }

  /** Subscribes to `state` and `cluster-event` messages; returns the unsubscribe function. */
  subscribe(fn: (m: HubMessage) => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }

  private publish(s: ClusterState): void {
    const first = this.latestState === null;
    this.latestState = s;
    const fresh = s.events.filter((e) => !this.seen.has(e.id)).reverse();
    for (const e of fresh) this.seen.add(e.id);
    if (this.seen.size > 2_000) {
      // Keep only ids still in the view, so the set cannot grow without bound.
      const keep = new Set(s.events.map((e) => e.id));
      for (const id of this.seen) if (!keep.has(id)) this.seen.delete(id);
    }
    for (const fn of this.subs) {
      try {
        fn({ event: 'state', data: s });
        if (!first) for (const e of fresh) fn({ event: 'cluster-event', data: e });
      } catch (err) {
        this.log.warn({ err }, 'an SSE subscriber failed');
      }
    }
  }
}

/** Keep-alive comment period of the SSE stream, ms. */
export const KEEP_ALIVE_MS = 15_000;

/** The `GET /events` handler. `history()` gives the per-zone CPU history sent on connect. */
export function eventsHandler(hub: StateHub, history: () => Promise<CpuHistory>, log: Logger) {
  return (c: Context) =>
    streamSSE(c, async (stream) => {
      let closed = false;
      const done = new Promise<void>((resolve) =>
        stream.onAbort(() => {
          closed = true;
          resolve();
        }),
      );
      const queue: HubMessage[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = hub.subscribe((m) => {
        // Only the newest state matters to a slow client; events are all kept (at most 100 a build).
        if (m.event === 'state')
          for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.event === 'state') queue.splice(i, 1);
        if (queue.length > 1_000) queue.splice(0, queue.length - 1_000);
        queue.push(m);
        wake?.();
      });
      const keepAlive = setInterval(
        () => void stream.write(': keep-alive\n\n').catch(() => {}),
        KEEP_ALIVE_MS,
      );
      try {
        await stream.writeSSE({ event: 'history', data: JSON.stringify(await history().catch(() => ({}))) });
        await stream.writeSSE({ event: 'state', data: JSON.stringify(await hub.current()) });
        while (!closed) {
          while (queue.length > 0 && !closed) {
            const m = queue.shift()!;
            await stream.writeSSE({
              event: m.event,
              data: JSON.stringify(m.data),
              ...(m.event === 'cluster-event' ? { id: m.data.id } : {}),
            });
          }
          await Promise.race([done, new Promise<void>((r) => (wake = r))]);
          wake = null;
        }
      } catch (err) {
        if (!closed) log.debug({ err }, 'SSE stream ended');
      } finally {
        clearInterval(keepAlive);
        unsubscribe();
      }
    });
}

/** CPU history sent to a dashboard on connect: the last 15 minutes (its widest chart window) in 5 s buckets. */
export const HISTORY_SPAN_MS = 15 * 60_000;
export const HISTORY_STEP_MS = 5_000;

/** Each zone's CPU history from `metrics` over the `HISTORY_SPAN_MS` before `now` (epoch ms), in `HISTORY_STEP_MS` buckets. */
export async function cpuHistory(
  metrics: MetricsStore,
  zones: readonly ZoneId[],
  now = Date.now(),
): Promise<CpuHistory> {
  const since = now - HISTORY_SPAN_MS;
  return Object.fromEntries(
    await Promise.all(zones.map(async (z) => [z, await metrics.history(z, since, HISTORY_STEP_MS)] as const)),
  );
}

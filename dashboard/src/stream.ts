/**
 * The dashboard's live connection to a monitor replica: an EventSource on `<monitor>/events`
 * (events `history`, `state` every second, `cluster-event`), with failover. When the stream errors
 * or goes quiet for `staleAfterMs` (the monitor died or hung), it closes that EventSource (the
 * browser's own retry against a dead origin is not enough), reports `reconnecting`, and after
 * `retryDelayMs` (backing off to `maxRetryDelayMs`, so the first switch happens well within 5 s)
 * connects to another replica from the last known `state.monitors` (see `monitor-rotation.ts`).
 * CPU and replica history survive reconnects. Framework-free; the React hook wraps it.
 */
import type { ClusterEvent, ClusterState, CpuHistory } from '../../server/shared/types.ts';
import {
  appendCpuTick,
  appendReplicaTick,
  appendServerCpu,
  type CpuSeries,
  KEEP_MS,
  mergeHistory,
  type ReplicaRow,
  type ServerCpuSeries,
} from './history.ts';
import { nextSource, originOf, type Source } from './monitor-rotation.ts';

/** `connecting`: first attempt; `live`: a `state` arrived on the current source; `reconnecting`: failing over. */
export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

/** Everything the UI renders, replaced (never mutated) on every change. */
export type StreamSnapshot = {
  status: StreamStatus;
  /** The monitor streamed from (or being connected to). */
  source: Source;
  /** Latest `ClusterState`, kept while reconnecting; null before the first one. */
  state: ClusterState | null;
  cpu: CpuSeries;
  replicas: ReplicaRow[];
  /** Per-server CPU for the sparklines (last minute). */
  serverCpu: ServerCpuSeries;
  /** Latest `cluster-event` hint worth a toast (`toastWorthy`: not a no-op decision), null before any. */
  lastEvent: ClusterEvent | null;
  /** How many times the stream switched monitors. */
  failovers: number;
  /** Why the last source was dropped, e.g. `stream error` or `no data for 3.5 s`. */
  lastError: string | null;
  /** The source that failed while reconnecting (null once live again). */
  lostSource: Source | null;
};

/** Whether `event` deserves a toast: anything that changed the cluster, not a decision to hold (`AtMinReplicas`…). */
export function toastWorthy(event: Pick<ClusterEvent, 'kind'>): boolean {
  return event.kind !== 'decision';
}

/** The slice of `EventSource` the stream uses, so tests can pass a fake. */
export type EventSourceLike = {
  addEventListener(type: string, listener: (ev: MessageEvent<string>) => void): void;
  close(): void;
};

/** Clock and timers, injectable for tests; defaults to the browser's. Times in ms. */
export type StreamClock = {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

/** Options of `startClusterStream`; every duration is ms. */
export type StreamOptions = {
  /** First monitor origin, normally the page's own (`location.origin`). */
  initialUrl: string;
  /** More origins to fall back to when the state lists none (e.g. the page origin). */
  extraUrls?: string[];
  makeEventSource?: (url: string) => EventSourceLike;
  clock?: StreamClock;
  /** Delay before the first switch after a failure (default 500). */
  retryDelayMs?: number;
  /** Cap of the doubling retry delay (default 3000). */
  maxRetryDelayMs?: number;
  /** A source with no message for this long is treated as dead (default 3500; states come every 1 s). */
  staleAfterMs?: number;
};

/** A running stream: `stop()` closes the EventSource and cancels every timer. */
export type ClusterStream = { stop(): void; snapshot(): StreamSnapshot };

const browserClock: StreamClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

function parse<T>(ev: MessageEvent<string>): T | null {
  try {
    return JSON.parse(ev.data) as T;
  } catch {
    return null;
  }
}

/** Starts streaming from `initialUrl`; `onChange` gets a new snapshot after every change. */
export function startClusterStream(
  options: StreamOptions,
  onChange: (s: StreamSnapshot) => void,
): ClusterStream {
  const clock = options.clock ?? browserClock;
  const makeEventSource = options.makeEventSource ?? ((url: string) => new EventSource(url));
  const retryDelayMs = options.retryDelayMs ?? 500;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 3000;
  const staleAfterMs = options.staleAfterMs ?? 3500;
  const extraUrls = [originOf(options.initialUrl), ...(options.extraUrls ?? []).map(originOf)];

  let snap: StreamSnapshot = {
    status: 'connecting',
    source: { url: originOf(options.initialUrl), id: null },
    state: null,
    cpu: {},
    replicas: [],
    serverCpu: {},
    lastEvent: null,
    failovers: 0,
    lastError: null,
    lostSource: null,
  };
  let es: EventSourceLike | null = null;
  let generation = 0;
  /** Ids of the events already seen (in a state or as a hint); null before the first state. */
  let seenEvents: Set<string> | null = null;
  /**
   * The newest toast-worthy event of `state` that was not seen before, remembering them all: a
   * hint lost while the stream reconnected (a slow machine, a failover) still toasts from the next
   * state. Events present in the first state are history, not news.
   */
  const newsOf = (state: ClusterState): ClusterEvent | null => {
    const first = seenEvents === null;
    const seen = (seenEvents ??= new Set());
    let news: ClusterEvent | null = null;
    for (const e of state.events) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      if (!first && toastWorthy(e) && (news === null || e.ts > news.ts)) news = e;
    }
    if (seen.size > 2_000) seenEvents = new Set(state.events.map((e) => e.id));
    return news;
  };
  let consecutiveFailures = 0;
  let lastActivity = clock.now();
  let watchdog: unknown = null;
  let retry: unknown = null;
  let stopped = false;
  const failures: Record<string, number> = {};

  const update = (patch: Partial<StreamSnapshot>): void => {
    snap = { ...snap, ...patch };
    onChange(snap);
  };

  const armWatchdog = (gen: number): void => {
    if (watchdog !== null) clock.clearTimeout(watchdog);
    watchdog = clock.setTimeout(
      () => {
        watchdog = null;
        if (gen !== generation || stopped) return;
        const quiet = clock.now() - lastActivity;
        if (quiet >= staleAfterMs) fail(gen, `no data for ${(quiet / 1000).toFixed(1)} s`);
        else armWatchdog(gen);
      },
      Math.min(1000, staleAfterMs),
    );
  };

  const connect = (source: Source): void => {
    const gen = ++generation;
    lastActivity = clock.now();
    let source_ = source;
    const current = makeEventSource(`${source.url}/events`);
    es = current;
    current.addEventListener('history', (ev) => {
      if (gen !== generation) return;
      lastActivity = clock.now();
      const history = parse<CpuHistory>(ev);
      if (history === null || typeof history !== 'object') return;
      update({ cpu: mergeHistory(snap.cpu, history, (snap.state?.now ?? clock.now()) - KEEP_MS) });
    });
    current.addEventListener('state', (ev) => {
      if (gen !== generation) return;
      lastActivity = clock.now();
      const state = parse<ClusterState>(ev);
      if (state === null || !Array.isArray(state.zones) || !Array.isArray(state.monitors)) return;
      consecutiveFailures = 0;
      source_ = { url: source_.url, id: state.monitorId };
      const news = newsOf(state);
      update({
        ...(news ? { lastEvent: news } : {}),
        status: 'live',
        source: source_,
        lostSource: null,
        state,
        cpu: appendCpuTick(snap.cpu, state),
        replicas: appendReplicaTick(snap.replicas, state),
        serverCpu: appendServerCpu(snap.serverCpu, state),
      });
    });
    current.addEventListener('cluster-event', (ev) => {
      if (gen !== generation) return;
      lastActivity = clock.now();
      const event = parse<ClusterEvent>(ev);
      // Only events worth a toast: a no-op decision arriving in the same batch as a scale event
      // (they come oldest first) must not replace it, or the scale event would never toast.
      if (event === null || seenEvents?.has(event.id)) return;
      seenEvents?.add(event.id);
      if (toastWorthy(event)) update({ lastEvent: event });
    });
    current.addEventListener('error', () => fail(gen, 'stream error'));
    armWatchdog(gen);
  };

  const fail = (gen: number, reason: string): void => {
    if (gen !== generation || stopped) return;
    generation++; // ignore anything else the dead source still delivers
    es?.close();
    es = null;
    const failed = snap.source;
    failures[failed.url] = clock.now();
    consecutiveFailures++;
    update({ status: 'reconnecting', lastError: reason, lostSource: failed });
    const delay = Math.min(retryDelayMs * 2 ** (consecutiveFailures - 1), maxRetryDelayMs);
    retry = clock.setTimeout(() => {
      retry = null;
      if (stopped) return;
      const next = nextSource(snap.state?.monitors ?? [], failed, failures, clock.now(), extraUrls);
      update({ source: next, failovers: snap.failovers + (next.url === failed.url ? 0 : 1) });
      connect(next);
    }, delay);
  };

  connect(snap.source);
  return {
    stop() {
      stopped = true;
      generation++;
      es?.close();
      es = null;
      if (watchdog !== null) clock.clearTimeout(watchdog);
      if (retry !== null) clock.clearTimeout(retry);
    },
    snapshot: () => snap,
  };
}

/**
 * Runs one bounded load: real HTTP GETs of `path` against a loopback target at a constant rate for
 * a duration (both capped by `LOAD_LIMITS`), at most `maxInFlight` at once, each with a timeout.
 * Reports a progress window every second (req/s answered, p50/p95/p99 latency, errors) and a final
 * summary. Used by the `bun run load` CLI and by the monitor's `POST /control/load`.
 */
import {
  checkBounds,
  dueNow,
  isLoopbackUrl,
  type LatencyPercentiles,
  LOAD_LIMITS,
  latencyPercentiles,
  plannedTotal,
} from './schedule.ts';

/** What to run. `rate` req/s, `durationS` s; `path` defaults to `/work?ms=20` (20 ms of CPU a request). */
export interface LoadOptions {
  /** Origin of the target (balancer or gateway), loopback only. */
  targetUrl: string;
  rate: number;
  durationS: number;
  path?: string;
  /** One request's timeout, ms (default 5000). */
  timeoutMs?: number;
  /** Called once a second with the last second's figures. */
  onProgress?: (p: LoadProgress) => void;
  /** Injected for tests (default global fetch, `performance.now`). */
  fetch?: typeof fetch;
  now?: () => number;
}

/** One progress window (normally 1 s). Latencies in ms. */
export interface LoadProgress extends LatencyPercentiles {
  /** Seconds since the start. */
  elapsedS: number;
  /** Answered requests per second in the window. */
  rps: number;
  /** Requests answered 2xx–4xx / failed (5xx, connection error, timeout) in the window. */
  ok: number;
  errors: number;
  inFlight: number;
  /** Totals since the start. */
  sent: number;
  totalErrors: number;
}

/** State of a run, as `GET /control/load` and the CLI's summary show it. Latencies in ms. */
export interface LoadStatus extends LatencyPercentiles {
  running: boolean;
  targetUrl: string;
  path: string;
  rate: number;
  durationS: number;
  /** Epoch ms of the start. */
  startedAt: number;
  /** Seconds run so far (or in total, once finished). */
  elapsedS: number;
  planned: number;
  sent: number;
  ok: number;
  errors: number;
  /** Due while `maxInFlight` requests were already running: not sent. */
  dropped: number;
  /** Status codes and error kinds with their counts, e.g. `{ "200": 1190, "503": 2, "timeout": 1 }`. */
  outcomes: Record<string, number>;
  /** Answered req/s over the last progress window. */
  rps: number;
  stoppedEarly: boolean;
}

/** A started run. `stop()` ends it early (in-flight requests are aborted); `done` resolves with the final status. */
export interface LoadRun {
  status(): LoadStatus;
  stop(): void;
  done: Promise<LoadStatus>;
}

/** Refused options (bounds, non-loopback target). */
export class BadLoadOptions extends Error {}

/**
 * Starts a run. @throws BadLoadOptions when the rate or duration is out of bounds or the target is
 * not a loopback URL.
 */
export function startLoad(o: LoadOptions): LoadRun {
  const problem = checkBounds(o.rate, o.durationS);
  if (problem) throw new BadLoadOptions(problem);
  if (!isLoopbackUrl(o.targetUrl))
    throw new BadLoadOptions(`target ${o.targetUrl} is not a loopback http URL (127.0.0.0/8 only)`);
  const path = o.path ?? '/work?ms=20';
  if (!path.startsWith('/')) throw new BadLoadOptions(`path must start with "/", got ${path}`);
  const doFetch = o.fetch ?? fetch;
  const now = o.now ?? (() => performance.now());
  const timeoutMs = o.timeoutMs ?? 5_000;
  const origin = new URL(o.targetUrl).origin;
  const total = plannedTotal(o.rate, o.durationS);
  const started = now();
  const startedAt = Date.now();
  const all: number[] = [];
  let window: number[] = [];
  let windowOk = 0;
  let windowErrors = 0;
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let dropped = 0;
  let inFlight = 0;
  let lastRps = 0;
  let stopped = false;
  let stoppedEarly = false;
  let endedAt: number | null = null;
  const outcomes: Record<string, number> = {};
  const abort = new AbortController();
  const pending = new Set<Promise<void>>();

  const count = (key: string) => {
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  };

  const one = async () => {
    const t0 = now();
    inFlight += 1;
    try {
      const res = await doFetch(origin + path, {
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await res.arrayBuffer().catch(() => {});
      count(String(res.status));
      const ms = now() - t0;
      all.push(ms);
      window.push(ms);
      if (res.status >= 500) {
        errors += 1;
        windowErrors += 1;
      } else {
        ok += 1;
        windowOk += 1;
      }
    } catch (err) {
      if (abort.signal.aborted) count('aborted');
      else {
        count((err as Error)?.name === 'TimeoutError' ? 'timeout' : 'connection-error');
        errors += 1;
        windowErrors += 1;
      }
    } finally {
      inFlight -= 1;
    }
  };

  const status = (): LoadStatus => ({
    running: !stopped,
    targetUrl: origin,
    path,
    rate: o.rate,
    durationS: o.durationS,
    startedAt,
    elapsedS: ((endedAt ?? now()) - started) / 1000,
    planned: total,
    sent,
    ok,
    errors,
    dropped,
    outcomes: { ...outcomes },
    rps: lastRps,
    stoppedEarly,
    ...latencyPercentiles(all),
  });

  let resolveDone!: (s: LoadStatus) => void;
  const done = new Promise<LoadStatus>((r) => {
    resolveDone = r;
  });

  const tick = setInterval(() => {
    const due = dueNow(o.rate, now() - started, sent + dropped, total);
    for (let i = 0; i < due; i++) {
      if (inFlight >= LOAD_LIMITS.maxInFlight) {
        dropped += 1;
        continue;
      }
      sent += 1;
      const p = one();
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    if (sent + dropped >= total) finish(false);
  }, 5);

  let lastWindowAt = started;
  const progress = setInterval(() => {
    const t = now();
    const secs = Math.max(0.001, (t - lastWindowAt) / 1000);
    lastWindowAt = t;
    lastRps = (windowOk + windowErrors) / secs;
    const p: LoadProgress = {
      elapsedS: (t - started) / 1000,
      rps: lastRps,
      ok: windowOk,
      errors: windowErrors,
      inFlight,
      sent,
      totalErrors: errors,
      ...latencyPercentiles(window),
    };
    window = [];
    windowOk = 0;
    windowErrors = 0;
    o.onProgress?.(p);
  }, 1_000);

  function finish(early: boolean): void {
    if (stopped) return;
    stopped = true;
    stoppedEarly = early;
    clearInterval(tick);
    if (early) abort.abort();
    // The schedule is complete: wait for the last answers (each bounded by timeoutMs).
    void Promise.allSettled([...pending]).then(() => {
      clearInterval(progress);
      endedAt = now();
      resolveDone(status());
    });
  }

  return { status, stop: () => finish(true), done };
}

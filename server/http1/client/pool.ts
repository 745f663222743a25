/**
 * The upstream connection pool, sized by demand: per origin it keeps idle keep-alive connections up
 * to the peak number of requests in flight to that origin over the last idle timeout (not a fixed
 * count), so a burst of a thousand clients reuses its connections instead of churning them, and it
 * closes connections idle longer than `idleTimeoutMs` (a sweep every quarter of it). It also caps
 * open connections per origin (`maxConns`, further requests wait in `waiters`) and counts the
 * connections opened. It knows nothing of requests or bytes: a connection is put back only by the
 * exchange code, after a complete, valid exchange (`exchange.ts`).
 */

/** What the pool needs of a connection. */
export interface Pooled {
  closed: boolean;
  /** `performance.now()` ms since when it is idle. */
  idleSince: number;
  /** Closes it at once (the pool's `closed` bookkeeping runs from the socket's close). */
  destroy(): void;
}

/** One origin's share of the pool. */
export class OriginPool<C extends Pooled, W> {
  /** Idle connections, least recently used first (taken from the end). */
  readonly idle: C[] = [];
  /** Connections open or being opened. */
  open = 0;
  /** Requests holding a connection or waiting for one. */
  inFlight = 0;
  /** Peak `inFlight` in this idle period and in the one before. */
  peak = 0;
  lastPeak = 0;
  /** Connections opened since start. */
  opened = 0;
  /** Requests waiting for a connection (the origin is at `maxConns`). */
  readonly waiters: W[] = [];

  constructor(
    readonly origin: string,
    /** `host:port` of the origin, sent as the Host header. */
    readonly host: string,
  ) {}

  /** A request starts: counts it towards the demand. */
  begin(): void {
    this.inFlight += 1;
    if (this.inFlight > this.peak) this.peak = this.inFlight;
  }

  /** A request ended. */
  end(): void {
    this.inFlight -= 1;
  }

  /** The most recently used idle connection still open, or null. */
  take(): C | null {
    const list = this.idle;
    while (list.length > 0) {
      const c = list.pop() as C;
      if (!c.closed) return c;
    }
    return null;
  }

  /** Keeps `c` idle when the demand wants it (else closes it). `cap`: the configured hard cap. */
  keep(c: C, cap: number): void {
    const want = this.peak > this.lastPeak ? this.peak : this.lastPeak;
    if (this.idle.length >= want || this.idle.length >= cap) {
      c.destroy();
      return;
    }
    c.idleSince = performance.now();
    this.idle.push(c);
  }

  /** Closes connections idle since before `oldest`; `rollover` starts a new demand period. */
  trim(oldest: number, rollover: boolean): void {
    const list = this.idle;
    let n = 0;
    while (n < list.length && ((list[n] as C).closed || (list[n] as C).idleSince < oldest)) n++;
    if (n > 0) for (const c of list.splice(0, n)) if (!c.closed) c.destroy();
    if (!rollover) return;
    this.lastPeak = this.peak;
    this.peak = this.inFlight;
  }
}

/** Every origin's pool, with the idle sweep and the opened-connection totals. */
export class Pool<C extends Pooled, W> {
  readonly origins = new Map<string, OriginPool<C, W>>();
  opened = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(readonly idleTimeoutMs: number) {}

  /** The pool of `origin` (made on first use). */
  of(origin: string): OriginPool<C, W> {
    let p = this.origins.get(origin);
    if (!p) {
      p = new OriginPool<C, W>(origin, origin.slice(origin.indexOf('//') + 2));
      this.origins.set(origin, p);
    }
    return p;
  }

  /** Counts a connection opened to `p`. */
  countOpened(p: OriginPool<C, W>): void {
    p.opened += 1;
    this.opened += 1;
  }

  /** Connections open and idle now, all origins. */
  counts(): { open: number; idle: number } {
    let open = 0;
    let idle = 0;
    for (const p of this.origins.values()) {
      open += p.open;
      idle += p.idle.length;
    }
    return { open, idle };
  }

  /** Closes the idle connections of `origin` (all origins when omitted); stops the sweep when all. */
  closeIdle(origin?: string): void {
    for (const [o, p] of this.origins) {
      if (origin && o !== origin) continue;
      for (const c of p.idle.splice(0)) c.destroy();
    }
    if (!origin && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** Starts the idle sweep unless it runs (called whenever a connection is kept idle). */
  ensureSweep(): void {
    if (this.timer) return;
    const every = Math.max(50, Math.floor(this.idleTimeoutMs / 4));
    let periodStart = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const rollover = now - periodStart >= this.idleTimeoutMs;
      if (rollover) periodStart = now;
      for (const p of this.origins.values()) p.trim(now - this.idleTimeoutMs, rollover);
    }, every);
    this.timer.unref?.();
  }
}

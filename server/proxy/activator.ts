/**
 * The activator (Knative's): while the zone has no alive server, a proxied request is held here
 * instead of answered 503, in a bounded FIFO (`maxQueue`, `--activation-queue`, default 100
 * requests), each for at most `timeoutMs` (`--activation-timeout-ms`, default 30 s). Beyond either
 * it gets 503 with `Retry-After` (queue full: 1 s, the zone is waking; timeout: 5 s) and a JSON
 * error (`activation_queue_full`, `activation_timeout`). The first held request makes the balancer
 * ask the leader for a server (`POST /activate {zone}`, `activate-client.ts`), asked again with
 * back-off (250 ms doubling to 5 s) on a failure and every `reaskMs` (5 s) while requests are still
 * held — the call is idempotent. A leader that refuses (a 4xx other than 421) ends the wait at once:
 * held requests get the usual 503 `no_available_server`. Once a server is in the alive pool (the
 * leader's `PUT /servers`), it is health-checked at once (`probe`) and, when up, every held request
 * is resumed in arrival order; requests that arrive meanwhile queue behind them, so none overtakes.
 * A client that went away while held is answered 499 and dropped. The activator holds nothing
 * itself: a buffered body stays with its request (≤ the retry buffer each, so ≤ `maxQueue` × 1 MiB),
 * a streamed one is not read while held, so the client connection's back-pressure stops it.
 */
import type { Logger } from '../shared/logger.ts';

/** A request held by the activator (the forwarder's `Forwarding`). */
export interface HeldRequest {
  /** Forwards the request now that a server is ready (as if it had just arrived). */
  resume(): void;
  /** Answers it with the balancer's own JSON error; `retryAfterS` adds a `Retry-After` header. */
  reject(status: number, error: string, message: string, retryAfterS?: number): void;
  /** The client went away. */
  gone(): boolean;
}

/** The leader's answer to an activation request: accepted (retry later if no server comes) or refused. */
export type ActivateOutcome = 'accepted' | 'refused';

/** What the activator needs. Times in ms. */
export interface ActivatorDeps {
  zone: string;
  /** Held requests at most (`--activation-queue`). */
  maxQueue: number;
  /** How long one request may be held (`--activation-timeout-ms`). */
  timeoutMs: number;
  /** The alive pool now. */
  alive(): readonly string[];
  /** Immediate health check of a server that joined; never throws. */
  probe(url: string): Promise<boolean>;
  /** `POST /activate` to the leader; throws on a failure worth retrying (unreachable, 5xx, 421). */
  activate(): Promise<ActivateOutcome>;
  /** Whether a leader is known at all (without one nothing is held). */
  hasLeader(): boolean;
  now(): number;
  log: Logger;
  /** Called on each step, for metrics: held, resumed, timeout, overflow, refused. */
  count?(what: 'held' | 'resumed' | 'timeout' | 'overflow' | 'refused'): void;
  /** How often held requests are looked at, ms (default 20). */
  tickMs?: number;
  /** Re-ask the leader this often while requests stay held, ms (default 5 s). */
  reaskMs?: number;
}

/** `Retry-After` of a 503 from a full queue (the zone is waking up), s. */
export const QUEUE_FULL_RETRY_AFTER_S = 1;
/** `Retry-After` of a 503 after the activation timeout, s. */
export const TIMEOUT_RETRY_AFTER_S = 5;
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5_000;

interface Entry {
  h: HeldRequest;
  at: number;
}

/** The activator of one zone balancer. */
export class Activator {
  private queue: Entry[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private probing = false;
  private asking = false;
  private nextAskAt = 0;
  private backoffMs = BACKOFF_MIN_MS;
  private stopped = false;
  /** Epoch ms the current activation started (first request held), 0 when idle. */
  private since = 0;

  constructor(private readonly d: ActivatorDeps) {}

  /** How long one request may be held, ms (the client connection's idle timeout must cover it). */
  get timeoutMs(): number {
    return this.d.timeoutMs;
  }

  /** Requests held now. */
  get size(): number {
    return this.queue.length;
  }

  /** Whether requests are being held for a server (`/health_check` and the gateway's zone probe). */
  get activating(): boolean {
    return this.queue.length > 0;
  }

  /** Epoch ms the current activation started, null when not activating. */
  activatingSince(): number | null {
    return this.queue.length > 0 ? this.since : null;
  }

  /** Whether a request finding no alive server should be held (else it gets 503 at once). */
  accepts(): boolean {
    return !this.stopped && this.d.maxQueue > 0 && this.d.hasLeader();
  }

  /** Holds `h` until a server is ready (or answers it 503 when the queue is full). */
  hold(h: HeldRequest): void {
    if (this.queue.length >= this.d.maxQueue) {
      this.d.count?.('overflow');
      h.reject(
        503,
        'activation_queue_full',
        `${this.d.zone} is activating and already holds ${this.d.maxQueue} requests`,
        QUEUE_FULL_RETRY_AFTER_S,
      );
      return;
    }
    const now = this.d.now();
    if (this.queue.length === 0) {
      this.since = now;
      this.nextAskAt = now;
      this.backoffMs = BACKOFF_MIN_MS;
      this.d.log.info({ zone: this.d.zone }, 'no alive server: holding requests and asking the leader');
    }
    this.queue.push({ h, at: now });
    this.d.count?.('held');
    this.timer ??= setInterval(() => this.tick(), this.d.tickMs ?? 20);
    this.tick();
  }

  /** Answers every held request 503 (the balancer is stopping) and stops. */
  stop(): void {
    this.stopped = true;
    for (const e of this.take()) e.h.reject(503, 'shutting_down', 'the balancer is stopping');
  }

  /** One look at the held requests: expire, drop gone clients, ask the leader, check a new server. */
  tick(): void {
    const now = this.d.now();
    const q = this.queue;
    let cut = 0;
    while (cut < q.length && now - (q[cut] as Entry).at >= this.d.timeoutMs) cut++;
    if (cut > 0) {
      for (const e of q.splice(0, cut)) {
        this.d.count?.('timeout');
        e.h.reject(
          503,
          'activation_timeout',
          `no server of ${this.d.zone} became ready within ${this.d.timeoutMs} ms`,
          TIMEOUT_RETRY_AFTER_S,
        );
      }
      this.d.log.warn({ zone: this.d.zone, expired: cut }, 'held requests timed out waiting for activation');
    }
    if (q.some((e) => e.h.gone())) {
      this.queue = q.filter((e) => {
        if (!e.h.gone()) return true;
        e.h.reject(499, 'client_closed', 'client closed the request while it was held');
        return false;
      });
    }
    if (this.queue.length === 0) return this.idle();
    if (!this.asking && now >= this.nextAskAt) this.ask();
    const alive = this.d.alive();
    if (alive.length > 0 && !this.probing) this.check(alive[0] as string);
  }

  private ask(): void {
    this.asking = true;
    this.d.activate().then(
      (outcome) => {
        this.asking = false;
        this.backoffMs = BACKOFF_MIN_MS;
        this.nextAskAt = this.d.now() + (this.d.reaskMs ?? 5_000);
        if (outcome === 'refused') this.refuse();
      },
      (err: unknown) => {
        this.asking = false;
        this.nextAskAt = this.d.now() + this.backoffMs;
        this.d.log.warn(
          { zone: this.d.zone, err: String(err), retryInMs: this.backoffMs },
          'activation request failed; retrying',
        );
        this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs * 2);
      },
    );
  }

  private check(url: string): void {
    this.probing = true;
    this.d.probe(url).then((up) => {
      this.probing = false;
      if (up && this.d.alive().includes(url)) this.release(url);
    });
  }

  /** A server is ready: every held request is resumed, in arrival order. */
  private release(url: string): void {
    const held = this.take();
    if (held.length === 0) return;
    this.d.log.info(
      { zone: this.d.zone, upstream: url, held: held.length, waitedMs: this.d.now() - this.since },
      'server ready: resuming held requests',
    );
    for (const e of held) {
      this.d.count?.('resumed');
      e.h.resume();
    }
  }

  /** The leader will not activate the zone: held requests get the 503 they would have had. */
  private refuse(): void {
    const held = this.take();
    if (held.length > 0) this.d.log.warn({ zone: this.d.zone, held: held.length }, 'activation refused');
    for (const e of held) {
      this.d.count?.('refused');
      e.h.reject(503, 'no_available_server', `no alive server in ${this.d.zone}`);
    }
  }

  private take(): Entry[] {
    const q = this.queue;
    this.queue = [];
    this.idle();
    return q;
  }

  private idle(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.since = 0;
  }
}

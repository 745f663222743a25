/**
 * The app server's last minute of user requests, for its page: a fixed-size ring buffer of
 * `{ t, method, path, status, ms }` (epoch ms, path with query, HTTP status, duration ms). Recording
 * is O(1) and the buffer never grows past `capacity` (default 600 entries: 10 req/s for a minute;
 * under heavier load the page shows the newest 600). Pure state: callers pass times.
 */

/** One served request. `t` epoch ms at arrival, `ms` duration until the response. */
export interface RecentRequest {
  t: number;
  method: string;
  path: string;
  status: number;
  ms: number;
}

/** How long the page's request list reaches back, ms. */
export const RECENT_WINDOW_MS = 60_000;

/** A ring buffer of the newest requests. */
export class RecentRequests {
  private readonly buf: (RecentRequest | undefined)[];
  private next = 0;

  constructor(readonly capacity = 600) {
    this.buf = new Array(capacity);
  }

  /** Records one request (overwrites the oldest when full). */
  record(r: RecentRequest): void {
    this.buf[this.next] = r;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Requests with `t > since` (epoch ms), oldest first. */
  since(since: number): RecentRequest[] {
    const out: RecentRequest[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const r = this.buf[(this.next + i) % this.capacity];
      if (r && r.t > since) out.push(r);
    }
    return out;
  }
}

/**
 * Requests per second from Prometheus counters: the monitor reads each balancer's (and the
 * gateway's) `balancer_requests_total` once a view, and the rate is the counter's growth over the
 * time between two readings. `RequestRates` is pure state (callers pass `now`); a counter that went
 * down (the balancer restarted) restarts the series instead of giving a negative rate.
 */

/** Sums every `balancer_requests_total{…} <value>` sample of a Prometheus text page; 0 when declared without samples, null when absent. */
export function sumRequestsTotal(text: string): number | null {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('balancer_requests_total')) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) {
      sum += v;
      found = true;
    }
  }
  // A counter with no request yet is declared (`# TYPE`) but has no sample: that is 0, not unknown.
  return found ? sum : text.includes('# TYPE balancer_requests_total') ? 0 : null;
}

/** Per-key counter readings → req/s. */
export class RequestRates {
  private readonly last = new Map<string, { total: number; at: number; rate: number | null }>();

  /**
   * Records `total` for `key` at `now` (epoch ms) and returns req/s since the previous reading
   * (null on the first reading or after a reset). Readings less than 500 ms apart keep the last rate.
   */
  observe(key: string, total: number | null, now: number): number | null {
    if (total === null) {
      this.last.delete(key);
      return null;
    }
    const prev = this.last.get(key);
    if (prev && now - prev.at < 500 && total >= prev.total) return prev.rate;
    const rate = prev && total >= prev.total ? ((total - prev.total) * 1000) / (now - prev.at) : null;
    this.last.set(key, { total, at: now, rate });
    return rate;
  }
}

/** `GET <url>/metrics` summed with `sumRequestsTotal` (500 ms); null when it does not answer. */
export async function fetchRequestsTotal(url: string): Promise<number | null> {
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(500) });
    if (!res.ok) return null;
    return sumRequestsTotal(await res.text());
  } catch {
    return null;
  }
}

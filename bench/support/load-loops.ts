/**
 * Bounded request loops for the benches, 127.0.0.1 only: a closed loop (`clients` workers, each
 * sending its next request when the last one is answered, so about `clients` requests are in flight
 * whatever the servers' speed) whose client count can be changed while it runs, and an open loop (a
 * fixed rate, requests sent on schedule whether or not earlier ones were answered, so queueing shows
 * in the latency). Each records every request's send time, latency (ms, to the end of the body) and
 * status (0 = no response). Both stop at `maxMs` (default 2 min) or `maxRequests` (default 50,000).
 */

/** One request of a loop: epoch ms sent, latency ms, HTTP status (0 = failed). */
export interface Timed {
  sentAt: number;
  ms: number;
  status: number;
}

/** Loop bounds. */
export interface LoopBounds {
  maxMs?: number;
  maxRequests?: number;
  /** Per-request timeout, ms (default 10 s). */
  timeoutMs?: number;
}

function loopback(url: string): string {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost')
    throw new Error(`${url}: the bench loops send to 127.0.0.1 only`);
  return url;
}

async function timedGet(url: string, timeoutMs: number): Promise<Timed> {
  const sentAt = Date.now();
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return { sentAt, ms: performance.now() - t0, status: res.status };
  } catch {
    return { sentAt, ms: performance.now() - t0, status: 0 };
  }
}

/** A closed loop on `url`; `setClients(n)` grows or shrinks it; `stop()` waits for the workers. */
export function closedLoop(url: string, clients: number, bounds: LoopBounds = {}) {
  loopback(url);
  const done: Timed[] = [];
  const deadline = Date.now() + (bounds.maxMs ?? 120_000);
  const maxRequests = bounds.maxRequests ?? 50_000;
  let wanted = 0;
  const workers: Promise<void>[] = [];
  const worker = async (k: number) => {
    while (k < wanted && Date.now() < deadline && done.length < maxRequests)
      done.push(await timedGet(url, bounds.timeoutMs ?? 10_000));
  };
  const setClients = (n: number) => {
    const from = wanted;
    wanted = n;
    for (let k = from; k < n; k++) workers.push(worker(k));
  };
  setClients(clients);
  return {
    done,
    setClients,
    async stop() {
      wanted = 0;
      await Promise.all(workers);
    },
  };
}

/** An open loop on `url` at `rate` req/s (changeable with `setRate`); `stop()` waits for the answers. */
export function openLoop(url: string, rate: number, bounds: LoopBounds = {}) {
  loopback(url);
  const done: Timed[] = [];
  const pending: Promise<void>[] = [];
  const deadline = Date.now() + (bounds.maxMs ?? 120_000);
  const maxRequests = bounds.maxRequests ?? 50_000;
  let current = rate;
  let stopped = false;
  const ticker = (async () => {
    let next = performance.now();
    while (!stopped && Date.now() < deadline && pending.length < maxRequests) {
      pending.push(timedGet(url, bounds.timeoutMs ?? 10_000).then((t) => void done.push(t)));
      next += 1_000 / current;
      await Bun.sleep(Math.max(0, next - performance.now()));
    }
  })();
  return {
    done,
    setRate: (r: number) => {
      current = r;
    },
    async stop() {
      stopped = true;
      await ticker;
      await Promise.all(pending);
    },
  };
}

/** The `q` quantile (0..1, nearest rank) of `xs`; null when empty. */
export function quantile(xs: number[], q: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

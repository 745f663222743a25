/**
 * Bounded client traffic for multi-process tests: `concurrency` loops send GETs to `url` until
 * `durationMs` passes or `maxRequests` are sent, and every response is tallied.
 */

/** What a traffic run saw: status counts, errors (no response) and which servers answered. */
export interface TrafficResult {
  sent: number;
  ok: number;
  statuses: Record<number, number>;
  errors: string[];
  servers: Record<string, number>;
}

/** Runs bounded traffic; `stop()` on the returned handle ends it early. Resolves in `done`. */
export function startTraffic(
  url: string,
  opts: { concurrency?: number; durationMs: number; maxRequests?: number; timeoutMs?: number },
): { done: Promise<TrafficResult>; stop(): void } {
  const result: TrafficResult = { sent: 0, ok: 0, statuses: {}, errors: [], servers: {} };
  const deadline = Date.now() + opts.durationMs;
  const max = opts.maxRequests ?? 100_000;
  let stopped = false;
  const loop = async () => {
    while (!stopped && Date.now() < deadline && result.sent < max) {
      result.sent++;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
        result.statuses[res.status] = (result.statuses[res.status] ?? 0) + 1;
        const body = (await res.json().catch(() => null)) as { server?: string } | null;
        if (res.ok) result.ok++;
        if (body?.server) result.servers[body.server] = (result.servers[body.server] ?? 0) + 1;
      } catch (err) {
        result.errors.push(String(err));
      }
    }
  };
  const done = Promise.all(Array.from({ length: opts.concurrency ?? 4 }, loop)).then(() => result);
  return {
    done,
    stop() {
      stopped = true;
    },
  };
}

/**
 * Small helpers the control-plane benchmarks (`bench/reaction`, `bench/chaos`) share: the fast
 * bench timings handed to `startCluster`, JSON reads with short timeouts, a balancer's pools and
 * leader, the registry's containers through the leader, a paced request loop through a balancer
 * that records each answer's time, status and server, and median/max summaries.
 */
import type { ClusterState, ContainerRecord } from '../../server/shared/types.ts';

/**
 * Monitor flags of the benchmarks, tuned for reaction time (what each costs is printed by the
 * reaction bench): leader probe 250 ms, election timeout 250 ms, lease 1 s, autoscaling every
 * 500 ms over 1.5 s of samples, app samples every 250 ms, balancer checks every 500 ms, dead after
 * 2 failed rechecks, dead reports every 500 ms.
 */
export const BENCH_MONITOR_ARGS = [
  '--probe-interval-ms=250',
  '--election-timeout-ms=250',
  '--lease-ms=1000',
  '--period-ms=500',
  '--window-ms=1500',
  '--app-args=--scenario-mode simulate --sample-interval-ms 250',
  '--balancer-args=--check-interval-ms 500 --recheck-interval-ms 500 --dead-after 2 --report-interval-ms 500 --check-timeout-ms 300 --try-timeout-ms 2000',
];

/** GET `url` as JSON within `timeoutMs` (default 1 s); null on any failure. */
export async function getJson<T>(url: string, timeoutMs = 1_000): Promise<T | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    return (await res.json()) as T;
  } catch {
    return null;
  }
}

/** A balancer's `GET /pools` (only what the benches read). */
export interface Pools {
  term: number;
  monitor: string;
  alive: { url: string }[];
  disconnected: { url: string }[];
  dead: { url: string }[];
}

/** The registry's containers through the leader of `state`; empty when it does not answer. */
export async function containers(state: ClusterState | null): Promise<ContainerRecord[]> {
  if (!state?.leader) return [];
  return (
    (await getJson<{ containers: ContainerRecord[] }>(`${state.leader.url}/containers`))?.containers ?? []
  );
}

/** One answered (or failed) request: epoch ms when it finished, HTTP status (0 = no response), server id. */
export interface Hit {
  t: number;
  status: number;
  server: string | null;
}

/**
 * Sends `GET <balancer>/api/hello` every `everyMs` (one at a time per loop, `loops` loops) until
 * stopped, recording every hit. Bounded by `maxMs` (default 10 min).
 */
export function paceTraffic(
  balancer: string,
  opts: { everyMs?: number; loops?: number; timeoutMs?: number; maxMs?: number } = {},
): { hits: Hit[]; stop(): Promise<void> } {
  const hits: Hit[] = [];
  const deadline = Date.now() + (opts.maxMs ?? 600_000);
  let stopped = false;
  const loop = async () => {
    while (!stopped && Date.now() < deadline) {
      const started = Date.now();
      try {
        const res = await fetch(`${balancer}/api/hello`, {
          signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
        });
        const body = (await res.json().catch(() => null)) as { server?: string } | null;
        hits.push({ t: Date.now(), status: res.status, server: body?.server ?? null });
      } catch {
        hits.push({ t: Date.now(), status: 0, server: null });
      }
      await Bun.sleep(Math.max(0, (opts.everyMs ?? 20) - (Date.now() - started)));
    }
  };
  const running = Promise.all(Array.from({ length: opts.loops ?? 1 }, loop));
  return {
    hits,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** Median and max of `xs` (ms); nulls when empty. */
export function summary(xs: number[]): { n: number; median: number | null; max: number | null } {
  if (xs.length === 0) return { n: 0, median: null, max: null };
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { n: s.length, median, max: s.at(-1)! };
}

/** `1234` -> `1.23 s`; null -> `—`. */
export const secs = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);

/** Polls `pred` every `everyMs` until it holds; returns the epoch ms it first held, or null after `timeoutMs`. */
export async function until(
  pred: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 20,
): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pred()) return Date.now();
    await Bun.sleep(everyMs);
  }
  return null;
}

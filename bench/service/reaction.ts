/**
 * Scale-out reaction on `rps`, the service bench's second figure (`bun bench/service/run.ts
 * reaction`; `REPS=3` by default): the Python example under the multi-metric target policy
 * `--policy target --metrics rps=50` (process runtime, bench timings), one zone per repetition, all
 * at one server. A load step of ~200 req/s (8 loops, one `GET /work?ms=1` each every 40 ms, at most
 * 30 s, 127.0.0.1 only) starts against the zone's balancer at t0; the figure is t0 → the first
 * moment a new server is serving: in the balancer's alive pool (`GET /pools`) and answering its
 * health check (`GET <server>/healthz` → 200) directly. Also printed: when the leader recorded
 * the scale-up event (and its message, which names the metric). The load then stops and the next
 * repetition takes the next zone. The steps start once the zones' servers are past the policy's
 * initialization (`--initialization-ms`, 30 s: a just-started server's samples do not count, as
 * HPA's CPU initialization period), i.e. against a steady zone. Target ≤ 3 s.
 */

import type { ClusterEvent } from '../../server/shared/types.ts';
import { containers, getJson, type Pools, secs, summary, until } from '../support/cluster-probe.ts';
import { startLoad } from './load.ts';
import { startServiceCluster } from './service-cluster.ts';

const REPS = Number(process.env.REPS ?? 3);
/**
 * The target policy's `--initialization-ms` (its default, passed explicitly): a server's samples
 * count only once it is this old, so the step waits for a steady zone, not one just started.
 */
const INITIALIZATION_MS = 30_000;
/** The target, ms. */
export const REACTION_TARGET_MS = 3_000;
/** What the figure is compared with. */
export const REACTION_PEERS =
  "Kubernetes HPA on a custom rps metric: sync period 15 s + the adapter's scrape (Prometheus 15–30 s) + pod start; KEDA polls every 30 s; the source design decides every 10 s";

/** The reaction figure: raw samples (ms), median/max, and the leader's event times after t0. */
export interface ReactionFigure {
  samplesMs: number[];
  decidedMs: (number | null)[];
  median: number | null;
  max: number | null;
  targetMs: number;
  met: boolean;
  messages: string[];
}

async function ok(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(500) })).status === 200;
  } catch {
    return false;
  }
}

/** Runs REPS load steps, one per zone, and returns the figure. */
export async function measureReaction(): Promise<ReactionFigure> {
  const zones = Array.from({ length: REPS }, (_, i) => `zone${i + 1}`);
  const sc = await startServiceCluster({
    name: 'rpsreact',
    zones,
    monitorArgs: [
      '--policy=target',
      '--metrics=rps=50',
      '--max-replicas=4',
      `--initialization-ms=${INITIALIZATION_MS}`,
    ],
  });
  const out: ReactionFigure = {
    samplesMs: [],
    decidedMs: [],
    median: null,
    max: null,
    targetMs: REACTION_TARGET_MS,
    met: false,
    messages: [],
  };
  try {
    const created = (await containers(await sc.cluster.state())).filter((c) => c.role === 'app');
    const steadyAt = Math.max(...created.map((c) => c.createdAt)) + INITIALIZATION_MS + 1_000;
    console.log(
      `  (rps) waiting ${secs(steadyAt - Date.now())} for the zones' servers to pass initialization`,
    );
    await Bun.sleep(Math.max(0, steadyAt - Date.now()));
    for (const zone of zones) {
      const s = await sc.cluster.state();
      const bal = s?.zones.find((z) => z.zone === zone)?.balancer?.url as string;
      const before = new Set((await getJson<Pools>(`${bal}/pools`))?.alive.map((a) => a.url) ?? []);
      if (before.size !== 1)
        throw new Error(`${zone}: expected 1 alive server before the step, got ${before.size}`);
      const t0 = Date.now();
      const load = startLoad(`${bal}/work?ms=1`, { loops: 8, everyMs: 40, maxMs: 30_000 });
      const t1 = await until(async () => {
        const alive = (await getJson<Pools>(`${bal}/pools`, 500))?.alive ?? [];
        const fresh = alive.filter((a) => !before.has(a.url));
        for (const a of fresh) if (await ok(`${a.url}/healthz`)) return true;
        return false;
      }, 25_000);
      await load.stop();
      if (t1 === null) throw new Error(`${zone}: no new server serving 25 s after the load step`);
      // The leader records the scale-up once the start returns: it may land just after the server serves.
      let ev: ClusterEvent | undefined;
      await until(
        async () => {
          ev = (await sc.cluster.state())?.events
            .filter((e) => e.zone === zone && e.kind === 'scale-up' && e.ts >= t0)
            .sort((a, b) => a.ts - b.ts)[0];
          return ev !== undefined;
        },
        5_000,
        100,
      );
      out.samplesMs.push(t1 - t0);
      out.decidedMs.push(ev ? ev.ts - t0 : null);
      out.messages.push(ev?.message ?? '(no scale-up event seen)');
      const answered = [...load.statuses.entries()].map(([k, v]) => `${k || 'none'}×${v}`).join(' ');
      console.log(
        `  (rps) scale-out ${zone}: ${secs(t1 - t0)} (leader's scale-up at ${secs(ev ? ev.ts - t0 : null)}: ${ev?.message ?? '—'}; answers ${answered})`,
      );
    }
    const sum = summary(out.samplesMs);
    return {
      ...out,
      median: sum.median,
      max: sum.max,
      met: sum.max !== null && sum.max <= REACTION_TARGET_MS,
    };
  } finally {
    await sc.stop();
  }
}

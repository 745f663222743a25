/**
 * Metric freshness, the service bench's first figure (`bun bench/service/run.ts freshness`;
 * `DECISIONS=60` by default): how old the newest sample is that the leader reads when it decides a
 * zone. The leader's autoscaler reads the zone's samples of the last window with `ts < now` from the
 * metrics store (`ZoneAutoscaler.decide` → `zoneMetrics` / `zoneCpu`); this bench reads the same
 * store the same way at DECISIONS instants spaced by a random 0.5–1.5 s (so they do not lock onto
 * the samplers' 1 Hz phase; the leader decides every 500 ms at the bench timings), and per instant
 * records, for each source that counts, now − the newest sample `ts` of the zone's servers: the
 * `agent`'s (CPU and memory, measured from outside the Python process) and the `balancer`'s (rps,
 * in-flight, latency). A sample's `ts` is when its source measured it, so the age holds the
 * sampler's own 1 s interval, the bus and the store write. Run twice: the HTTP bus (push to the
 * collector) and Kafka (`KAFKA_BROKERS=127.0.0.1:9092`, skipped with the reason when it does not
 * answer). Light paced traffic (25 req/s, 127.0.0.1) keeps the balancer measuring. Only the
 * cluster's own servers count (the Kafka topics are shared with other clusters on this host).
 * Targets: p99 ≤ 2 s (HTTP), ≤ 3 s (Kafka), for each source.
 */
import { connect } from 'node:net';
import type { SampleSource } from '../../server/shared/types.ts';
import { containers, secs } from '../support/cluster-probe.ts';
import { type Load, startLoad } from './load.ts';
import { percentile } from './percentile.ts';
import { startServiceCluster } from './service-cluster.ts';

const DECISIONS = Number(process.env.DECISIONS ?? 60);
const SOURCES = ['agent', 'balancer'] as const satisfies readonly SampleSource[];
/** p99 targets per bus, ms. */
export const FRESHNESS_TARGETS = { http: 2_000, kafka: 3_000 } as const;
export type Bus = keyof typeof FRESHNESS_TARGETS;
const KAFKA = '127.0.0.1:9092';

/** What the figure is compared with. */
export const FRESHNESS_PEERS =
  "Kubernetes metrics-server scrapes the kubelet every 15 s (HPA reads a sample up to ~15 s + the 15 s sync old); Knative's autoscaler scrapes queue-proxies every 1 s; the source design samples every 1 s into InfluxDB";

/** One bus's figure: per source the ages (ms) and their p99 / max. */
export type FreshnessFigure =
  | { bus: Bus; skipped: string }
  | {
      bus: Bus;
      targetMs: number;
      decisions: number;
      perSource: Record<
        (typeof SOURCES)[number],
        { p99Ms: number | null; maxMs: number | null; agesMs: number[] }
      >;
      met: boolean;
    };

/** Whether something accepts TCP at `hostPort` within 1 s. */
async function answers(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const s = connect({ host, port: Number(port) });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Measures one bus. */
export async function measureFreshness(bus: Bus): Promise<FreshnessFigure> {
  if (bus === 'kafka' && !(await answers(KAFKA)))
    return { bus, skipped: `Kafka does not answer on ${KAFKA}` };
  const sc = await startServiceCluster({
    name: `fresh${bus}`,
    zones: ['zone1'],
    ...(bus === 'kafka' ? { env: { KAFKA_BROKERS: KAFKA } } : {}),
  });
  let load: Load | null = null;
  try {
    const state = await sc.cluster.state();
    const balancer = state?.zones[0]?.balancer?.url as string;
    load = startLoad(`${balancer}/work?ms=1`, { loops: 1, everyMs: 40, maxMs: 10 * 60_000 });
    const ours = async () =>
      new Set((await containers(await sc.cluster.state())).filter((c) => c.role === 'app').map((c) => c.id));
    // Warm up: both sources' samples of our server reach the store (Kafka consumers join, replay).
    const warmEnd = Date.now() + 60_000;
    for (;;) {
      const ids = await ours();
      const got = new Set(
        (await sc.metrics.latest(Date.now() - 2_000)).filter((s) => ids.has(s.serverId)).map((s) => s.source),
      );
      if (SOURCES.every((s) => got.has(s))) break;
      if (Date.now() > warmEnd)
        throw new Error(`${bus}: no fresh ${SOURCES.join(' and ')} samples after 60 s`);
      await Bun.sleep(250);
    }
    await Bun.sleep(3_000);
    const ages: Record<(typeof SOURCES)[number], number[]> = { agent: [], balancer: [] };
    for (let i = 0; i < DECISIONS; i++) {
      await Bun.sleep(500 + Math.random() * 1_000);
      const ids = await ours();
      const now = Date.now();
      const latest = (await sc.metrics.latest(now - 30_000)).filter((s) => ids.has(s.serverId) && s.ts < now);
      for (const src of SOURCES) {
        const newest = Math.max(...latest.filter((s) => s.source === src).map((s) => s.ts));
        ages[src].push(Number.isFinite(newest) ? now - newest : 30_000);
      }
    }
    const perSource = Object.fromEntries(
      SOURCES.map((src) => [
        src,
        { p99Ms: percentile(ages[src], 99), maxMs: Math.max(...ages[src]), agesMs: ages[src] },
      ]),
    ) as Extract<FreshnessFigure, { perSource: unknown }>['perSource'];
    const targetMs = FRESHNESS_TARGETS[bus];
    const met = SOURCES.every((src) => (perSource[src].p99Ms ?? Infinity) <= targetMs);
    for (const src of SOURCES)
      console.log(
        `  [${bus}] freshness ${src}: p99 ${secs(perSource[src].p99Ms)}, max ${secs(perSource[src].maxMs)} over ${DECISIONS} decisions (target ≤ ${secs(targetMs)})`,
      );
    return { bus, targetMs, decisions: DECISIONS, perSource, met };
  } finally {
    await load?.stop();
    await sc.stop();
  }
}

/** One line of a bus's figure. */
export function freshnessLine(f: FreshnessFigure): string {
  if ('skipped' in f) return `${f.bus}: skipped (${f.skipped})`;
  const parts = SOURCES.map((src) => `${src} ${secs(f.perSource[src].p99Ms)}`).join(', ');
  return `${f.bus}: p99 ${parts} (≤ ${secs(f.targetMs)} ${f.met ? 'met' : 'MISSED'})`;
}

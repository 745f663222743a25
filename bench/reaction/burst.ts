/**
 * (e) Burst, the reaction bench's fifth figure (`bun bench/reaction/run.ts burst`, or this file;
 * `REPS=1` by default): one cluster (process runtime, one monitor) with two zones, zone1 on the
 * concurrency policy (Knative KPA, `--target-concurrency 0.2`) and zone2 on the CPU target policy
 * (HPA, `--metrics cpu=20`). An open loop of `GET /work?ms=20` (real CPU, one core-second per 50
 * requests) runs at 10 req/s on a zone's balancer (1x: 0.2 requests in flight and 20 % CPU on one
 * server) for 12 s, then steps to 50 req/s (5x) for 45 s. Each second after the step, the zone's
 * in-flight requests per server are the sum of the balancer's `inFlight` samples in the metrics
 * store over that second divided by the zone's alive servers (the balancer's pool in `/state`); the figure is the time from the step until it is within 20 % of the
 * target (0.16–0.24) for 3 seconds in a row. zone1 then zone2 in the same run. Timings: KPA stable
 * window 6 s, panic window 2 s, period 1 s; target policy window 2 s, app samples every 250 ms.
 * For CPU-bound requests at a steady rate in-flight per server and CPU per server are the same
 * signal below saturation; above it CPU stops at 100 % while in-flight keeps growing, which is
 * what the figure shows. Writes `bench/results/burst.json`; the last line holds the figures.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteMetricsStore } from '../../server/adapters/sqlite/metrics-store-sqlite.ts';
import { type Cluster, REPO_ROOT, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import { secs } from '../support/cluster-probe.ts';
import { openLoop, quantile } from '../support/load-loops.ts';

const TARGET = 0.2;
const WORK_MS = 20;
const BASE_RATE = 10;
const STEP = 5;
const WARM_MS = 12_000;
const BURST_MS = 45_000;
const WITHIN = 0.2;
const HOLD_S = 3;
const MONITOR_ARGS = [
  '--zones=zone1,zone2',
  '--zone-policies=zone1=concurrency,zone2=target',
  `--target-concurrency=${TARGET}`,
  `--metrics=cpu=${TARGET * 100}`,
  '--stable-window-ms=6000',
  '--panic-window-ms=2000',
  '--period-ms=1000',
  '--window-ms=2000',
  '--max-replicas=8',
  '--app-args=--scenario-mode simulate --sample-interval-ms 250',
];
/** What the figures are compared with. */
const PEERS = {
  knative:
    'Knative KPA: panic mode (6 s window, 200 % threshold) scales out within a 2 s tick of the burst; pod start adds seconds',
  kubernetes:
    'Kubernetes HPA on CPU: 15 s sync period, CPU read through metrics-server (15–60 s resolution), so a burst waits 30 s or more',
};

/** One zone's run: per second after the step, the zone's mean in-flight per server and its servers. */
interface ZoneRun {
  zone: string;
  policy: string;
  perSecond: { s: number; inFlightPerServer: number | null; servers: number }[];
  withinMs: number | null;
  finalServers: number;
  p99Ms: number | null;
}

async function burstZone(cluster: Cluster, store: SqliteMetricsStore, zone: string, policy: string) {
  const s0 = (await cluster.state())!;
  const bal = s0.zones.find((z) => z.zone === zone)?.balancer?.url as string;
  const loop = openLoop(`${bal}/work?ms=${WORK_MS}`, BASE_RATE, { maxMs: WARM_MS + BURST_MS + 5_000 });
  await Bun.sleep(WARM_MS);
  const step = Date.now();
  loop.setRate(BASE_RATE * STEP);
  console.log(`  (e) ${zone} (${policy}): ${BASE_RATE} → ${BASE_RATE * STEP} req/s of /work?ms=${WORK_MS}`);
  // The zone's alive servers (the balancer's pool) each 500 ms: the divisor of the in-flight sum.
  const alive: { t: number; n: number }[] = [];
  while (Date.now() < step + BURST_MS) {
    const z = (await cluster.state())?.zones.find((v) => v.zone === zone);
    if (z) alive.push({ t: Date.now(), n: z.servers.filter((v) => v.state === 'alive').length });
    await Bun.sleep(500);
  }
  await loop.stop();
  await Bun.sleep(2_000); // the last balancer samples reach the store
  const perSecond: ZoneRun['perSecond'] = [];
  for (let s = 0; s < BURST_MS / 1_000; s++) {
    const m = await store.zoneMetrics(zone, step + s * 1_000, step + (s + 1) * 1_000);
    const sum = Object.values(m.perServer).reduce((a, v) => a + (v.inFlight ?? 0), 0);
    const end = step + (s + 1) * 1_000;
    const servers = alive.filter((a) => a.t <= end).at(-1)?.n ?? 0;
    perSecond.push({ s, inFlightPerServer: servers > 0 ? sum / servers : null, servers });
  }
  const ok = (v: number | null) => v !== null && Math.abs(v - TARGET) <= WITHIN * TARGET;
  const first = perSecond.findIndex((_, i) =>
    perSecond.slice(i, i + HOLD_S).every((p, _j, a) => a.length === HOLD_S && ok(p.inFlightPerServer)),
  );
  const after = loop.done.filter((t) => t.sentAt >= step).map((t) => t.ms);
  const run: ZoneRun = {
    zone,
    policy,
    perSecond,
    withinMs: first < 0 ? null : first * 1_000,
    finalServers: (await cluster.state())!.zones.find((z) => z.zone === zone)?.replicas ?? 0,
    p99Ms: quantile(after, 0.99),
  };
  console.log(
    `    in flight per server each second: ${perSecond.map((p) => (p.inFlightPerServer === null ? '—' : p.inFlightPerServer.toFixed(2))).join(' ')}`,
  );
  console.log(
    `    servers each second: ${perSecond.map((p) => p.servers).join(' ')}; within 20 %: ${run.withinMs === null ? 'never' : secs(run.withinMs)}; p99 ${run.p99Ms?.toFixed(0)} ms`,
  );
  return run;
}

/** Runs the burst case and writes its figure. */
export async function burst(): Promise<void> {
  console.log(
    `burst bench: concurrency (target ${TARGET}) vs CPU target (${TARGET * 100} %), ${BASE_RATE} → ${BASE_RATE * STEP} req/s, monitor flags:`,
  );
  for (const a of MONITOR_ARGS) console.log(`  ${a}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-burst-'));
  let cluster: Cluster | null = null;
  let store: SqliteMetricsStore | null = null;
  const stop = async () => {
    await store?.close();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const onSigint = () => void stop().then(() => process.exit(130));
  process.once('SIGINT', onSigint);
  let runs: ZoneRun[];
  try {
    cluster = await startCluster({
      basePort: testBasePort('reaction-bench'),
      dataDir,
      cluster: 'burst',
      token: randomBytes(24).toString('hex'),
      monitors: 1,
      scenarioMode: 'simulate',
      logLevel: 'warn',
      monitorArgs: MONITOR_ARGS,
    });
    await cluster.waitFor(
      'both zones at one alive server',
      (s) =>
        s.leader !== null &&
        s.zones.length === 2 &&
        s.zones.every(
          (z) => z.balancer?.status === 'up' && z.servers.filter((v) => v.state === 'alive').length === 1,
        ),
      90_000,
    );
    store = new SqliteMetricsStore(join(dataDir, 'burst', 'metrics.sqlite'));
    runs = [
      await burstZone(cluster, store, 'zone1', 'concurrency'),
      await burstZone(cluster, store, 'zone2', 'target cpu'),
    ];
  } finally {
    process.off('SIGINT', onSigint);
    await stop();
  }
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  const timings = {
    target: TARGET,
    workMs: WORK_MS,
    baseRate: BASE_RATE,
    step: STEP,
    warmMs: WARM_MS,
    burstMs: BURST_MS,
  };
  writeFileSync(
    join(REPO_ROOT, 'bench', 'results', 'burst.json'),
    `${JSON.stringify({ date: new Date().toISOString(), monitorArgs: MONITOR_ARGS, timings, runs, peers: PEERS }, null, 2)}\n`,
  );
  console.log(`  peers: ${PEERS.knative}; ${PEERS.kubernetes}`);
  const part = (r: ZoneRun) =>
    `${r.policy} ${r.withinMs === null ? `never within 20 % in ${BURST_MS / 1_000} s` : `${secs(r.withinMs)} to within 20 %`} (${r.finalServers} servers, p99 ${r.p99Ms?.toFixed(0)} ms)`;
  console.log(`burst (e) 1x → ${STEP}x target concurrency: ${runs.map(part).join(' | ')}`);
}

if (import.meta.main) await burst();

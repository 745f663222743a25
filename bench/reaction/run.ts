/**
 * The control plane's reaction times (run by hand: `bun bench/reaction/run.ts`, `REPS=5` by
 * default). Starts a whole cluster on 127.0.0.1 (`startCluster`, process runtime, simulated CPU so
 * the figures do not depend on spare cores) with the bench timings of `BENCH_MONITOR_ARGS`, and
 * measures REPS times each: (a) scale-out, (b) leader failover, (c) dead-server detection under
 * traffic (see `measure.ts`). Prints median and max beside the targets (3 s, 2 s, 1 s), the source
 * design's defaults and Kubernetes', and what each tuned timing costs; Docker is measured only when
 * its runtime adapter exists (else the reason is printed). Writes `bench/results/reaction.json`; the
 * last line holds the three figures. Everything it starts is stopped on exit, also on failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRuntime } from '../../server/adapters/select.ts';
import { SqliteMetricsStore } from '../../server/adapters/sqlite/metrics-store-sqlite.ts';
import { type Cluster, clusterReady, REPO_ROOT, startCluster } from '../../server/dev/cluster.ts';
import { BENCH_MONITOR_ARGS, secs, summary } from '../support/cluster-probe.ts';
import { type Bench, deadServer, failover, scaleOut } from './measure.ts';

const REPS = Number(process.env.REPS ?? 5);
const ZONES = ['zone1', 'zone2', 'zone3'];
const TARGETS = { scaleOut: 3_000, failover: 2_000, deadServer: 1_000 };

/** What each figure is compared with (ms), and why. */
const PEERS = {
  scaleOut: {
    source: {
      ms: 10_000,
      note: 'autoscaling period 10 s (a crossing waits up to one period, plus start-up)',
    },
    kubernetes: { ms: 15_000, note: 'HPA sync period 15 s (plus metrics-server resolution and pod start)' },
  },
  failover: {
    source: { ms: 5_000, note: 'followers probe the leader every 5 s' },
    kubernetes: { ms: 15_000, note: 'leader-election lease 15 s' },
  },
  deadServer: {
    source: { ms: 10_000, note: 'alive pool checked every 10 s' },
    kubernetes: { ms: 30_000, note: 'readiness probe 10 s x failureThreshold 3' },
  },
};

/** What each tuned bench timing costs. */
const COSTS = [
  'autoscaling every 500 ms over 1.5 s of samples (source 10 s / 10 s): 20x the metrics-store queries; a 1.5 s window follows short spikes (the High scenario holds, so it does not flap, but bursty real load would want a longer window or the target policy with a scale-down stabilization window)',
  'app samples every 250 ms (source 1 s): 4x the metrics traffic and store rows',
  'leader probe 250 ms, election timeout 250 ms, lease 1 s renewed every 333 ms (source 5 s probe; Kubernetes 15 s lease): 3 registry writes/s for the lease; a leader stalled (GC, CPU starvation) for > 1 s loses leadership',
  'balancer active checks every 500 ms, dead after 2 rechecks, reports every 500 ms (source 10 s / 30 s x 3 / 60 s): more health-check traffic; detection itself comes from passive outlier detection (a failed live request ejects at once), which needs traffic',
];

async function measureOn(runtimeName: 'process'): Promise<Record<string, number[]>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-reaction-'));
  const basePort = 24000 + Math.floor(Math.random() * 30) * 100;
  let cluster: Cluster | null = null;
  const stop = async () => {
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    cluster = await startCluster({
      basePort,
      dataDir,
      cluster: 'reaction',
      token: randomBytes(24).toString('hex'),
      scenarioMode: 'simulate',
      logLevel: 'warn',
      monitorArgs: BENCH_MONITOR_ARGS,
    });
    await cluster.waitFor('the cluster to be ready', (s) => clusterReady(s, 3), 90_000);
    const b: Bench = {
      cluster,
      metrics: new SqliteMetricsStore(join(dataDir, 'reaction', 'metrics.sqlite')),
      runtime: openRuntime({ runtime: runtimeName, dataDir, cluster: 'reaction' }),
      highCpu: 60,
      windowMs: 1_500,
    };
    const out: Record<string, number[]> = { scaleOut: [], failover: [], deadServer: [] };
    const ready = (zone: string, replicas?: number) =>
      cluster!.waitFor(
        `${zone} ready${replicas ? ` with ${replicas} server` : ''}`,
        (s) =>
          clusterReady(s, 3) &&
          s.zones.every((z) => z.servers.every((v) => v.state === 'alive')) &&
          (replicas === undefined || s.zones.find((z) => z.zone === zone)?.replicas === replicas),
        60_000,
      );
    for (let i = 0; i < REPS; i++) {
      const zone = ZONES[i % ZONES.length]!;
      await ready(zone, 1);
      const ms = await scaleOut(b, zone);
      out.scaleOut!.push(ms);
      console.log(`  (a) scale-out ${zone}: ${secs(ms)}`);
    }
    for (let i = 0; i < REPS; i++) {
      await ready('zone1');
      await Bun.sleep(1_500); // the restarted monitor boots and follows
      const ms = await failover(b);
      out.failover!.push(ms);
      console.log(`  (b) failover: ${secs(ms)}`);
    }
    for (let i = 0; i < REPS; i++) {
      const zone = ZONES[i % ZONES.length]!;
      await ready(zone);
      const ms = await deadServer(b, zone);
      out.deadServer!.push(ms);
      console.log(`  (c) dead server ${zone}: ${secs(ms)}`);
    }
    await b.metrics.close();
    return out;
  } finally {
    await stop();
  }
}

async function main(): Promise<void> {
  console.log(`reaction bench: ${REPS} repetitions each, process runtime, simulated CPU, monitor flags:`);
  for (const a of BENCH_MONITOR_ARGS) console.log(`  ${a}`);
  let docker: { skipped: string } | null = null;
  try {
    openRuntime({ runtime: 'docker', dataDir: tmpdir(), cluster: 'reaction-probe' });
    docker = { skipped: 'the Docker runtime opens but this bench does not drive it yet' };
  } catch (err) {
    docker = { skipped: (err as Error).message };
  }
  const raw = await measureOn('process');
  type Figure = ReturnType<typeof summary> & { samplesMs: number[]; targetMs: number; met: boolean };
  const figure = (k: keyof typeof TARGETS): Figure => {
    const s = summary(raw[k] ?? []);
    return {
      ...s,
      samplesMs: raw[k] ?? [],
      targetMs: TARGETS[k],
      met: s.max !== null && s.max <= TARGETS[k],
    };
  };
  const figures = {
    scaleOut: figure('scaleOut'),
    failover: figure('failover'),
    deadServer: figure('deadServer'),
  };

  console.log('\n measure                 median    max       target   source design        Kubernetes');
  for (const [k, label] of [
    ['scaleOut', '(a) scale-out'],
    ['failover', '(b) leader failover'],
    ['deadServer', '(c) dead-server detect'],
  ] as const) {
    const f = figures[k];
    const p = PEERS[k];
    console.log(
      ` ${label.padEnd(24)}${secs(f.median).padEnd(10)}${secs(f.max).padEnd(10)}≤ ${secs(f.targetMs).padEnd(7)}${`${secs(p.source.ms)} (${(p.source.ms / (f.median ?? 1)).toFixed(0)}x)`.padEnd(21)}${secs(p.kubernetes.ms)} (${(p.kubernetes.ms / (f.median ?? 1)).toFixed(0)}x)`,
    );
  }
  for (const k of Object.keys(PEERS) as (keyof typeof PEERS)[])
    console.log(`  ${k}: source = ${PEERS[k].source.note}; Kubernetes = ${PEERS[k].kubernetes.note}`);
  console.log(`\n Docker: skipped — ${docker.skipped}`);
  console.log('\n What the bench timings cost:');
  for (const c of COSTS) console.log(`  - ${c}`);

  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, 'bench', 'results', 'reaction.json'),
    `${JSON.stringify({ date: new Date().toISOString(), reps: REPS, runtime: 'process', monitorArgs: BENCH_MONITOR_ARGS, figures, peers: PEERS, docker, costs: COSTS }, null, 2)}\n`,
  );
  const line = (k: keyof typeof TARGETS, label: string) =>
    `${label} ${secs(figures[k].median)} median / ${secs(figures[k].max)} max (≤ ${secs(TARGETS[k])} ${figures[k].met ? 'met' : 'MISSED'})`;
  console.log(
    `reaction (process): ${line('scaleOut', 'scale-out')} · ${line('failover', 'failover')} · ${line('deadServer', 'dead-server')}`,
  );
}

await main();

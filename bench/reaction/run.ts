/**
 * The control plane's reaction times (run by hand: `bun bench/reaction/run.ts`, `REPS=5` by
 * default). Starts a whole cluster on 127.0.0.1 (`startCluster`, simulated CPU so the figures do not
 * depend on spare cores) with the bench timings of `BENCH_MONITOR_ARGS`, and measures REPS times
 * each: (a) scale-out, (b) leader failover, (c) dead-server detection under traffic (see
 * `measure.ts`); first on the process runtime, then again on Docker (balancers and app servers as
 * containers of `ZONESCALE_IMAGE`, default zonescale:local) when the engine answers and the image
 * exists (else the reason is printed). Prints median and max beside the targets (3 s, 2 s, 1 s), the
 * source design's defaults and Kubernetes', and what each tuned timing costs. Writes
 * `bench/results/reaction.json`; the last line holds the three process figures and the Docker ones.
 * `bun bench/reaction/run.ts cold-start` runs (d) cold start instead (`cold-start.ts`), `burst` runs
 * (e) the burst, concurrency policy against the CPU target policy (`burst.ts`), `slow-start` runs (f)
 * the p99 after a scale-out with slow start on and off (`slow-start.ts`).
 * Everything it starts is stopped on exit, also on failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerRuntime, RuntimeContainer } from '../../server/adapters/runtime.ts';
import { openRuntime } from '../../server/adapters/select.ts';
import { SqliteMetricsStore } from '../../server/adapters/sqlite/metrics-store-sqlite.ts';
import { type Cluster, clusterReady, REPO_ROOT, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
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

/** The image the Docker pass runs (built from the Dockerfile, as `bun run dev:stack` does). */
const DOCKER_IMAGE = process.env.ZONESCALE_IMAGE || 'zonescale:local';

/**
 * Why the Docker pass cannot run (engine not answering, image missing), or null when it can.
 * Build the image with `bash scripts/services.sh up docker && docker build --network host -t zonescale:local .`.
 */
async function dockerSkipReason(): Promise<string | null> {
  try {
    const { DockerRuntime } = await import('../../server/adapters/docker/runtime-docker.ts');
    const docker = new DockerRuntime({ cluster: 'reaction-probe', image: DOCKER_IMAGE }).docker;
    await docker.ping();
    await docker.getImage(DOCKER_IMAGE).inspect();
    return null;
  } catch (err) {
    return `the Docker engine or the ${DOCKER_IMAGE} image is not available (${(err as Error).message.split('\n')[0]}); run \`bash scripts/services.sh up docker\` and \`/usr/bin/docker build --network host -t ${DOCKER_IMAGE} .\``;
  }
}

/** SIGKILL of an app server on `runtime`: its pid on processes, `docker kill` of its container on Docker. */
async function killer(runtimeName: RuntimeName, runtime: ContainerRuntime) {
  if (runtimeName === 'process')
    return async (c: RuntimeContainer) => void process.kill(Number(c.runtimeId), 'SIGKILL');
  const { DockerRuntime } = await import('../../server/adapters/docker/runtime-docker.ts');
  if (!(runtime instanceof DockerRuntime)) throw new Error('the docker pass needs the Docker runtime');
  return async (c: RuntimeContainer) => {
    await runtime.docker.getContainer(c.runtimeId).kill({ signal: 'SIGKILL' });
  };
}

type RuntimeName = 'process' | 'docker';

async function measureOn(runtimeName: RuntimeName): Promise<Record<string, number[]>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-reaction-'));
  const basePort = testBasePort('reaction-bench');
  // A fresh cluster id per Docker pass, so containers of an earlier run cannot be mistaken for ours.
  const clusterId =
    runtimeName === 'docker' ? `reaction-docker-${Math.floor(Date.now() / 1000)}` : 'reaction';
  let cluster: Cluster | null = null;
  const stop = async () => {
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const onSigint = () => void stop().then(() => process.exit(130));
  process.once('SIGINT', onSigint);
  try {
    cluster = await startCluster({
      basePort,
      dataDir,
      cluster: clusterId,
      token: randomBytes(24).toString('hex'),
      scenarioMode: 'simulate',
      logLevel: 'warn',
      monitorArgs: BENCH_MONITOR_ARGS,
      runtime: runtimeName,
      ...(runtimeName === 'docker' ? { env: { ZONESCALE_IMAGE: DOCKER_IMAGE } } : {}),
    });
    await cluster.waitFor('the cluster to be ready', (s) => clusterReady(s, 3), 90_000);
    const runtime = openRuntime({ runtime: runtimeName, dataDir, cluster: clusterId });
    const b: Bench = {
      cluster,
      metrics: new SqliteMetricsStore(join(dataDir, clusterId, 'metrics.sqlite')),
      runtime,
      highCpu: 60,
      windowMs: 1_500,
      kill: await killer(runtimeName, runtime),
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
      console.log(`  [${runtimeName}] (a) scale-out ${zone}: ${secs(ms)}`);
    }
    for (let i = 0; i < REPS; i++) {
      await ready('zone1');
      await Bun.sleep(1_500); // the restarted monitor boots and follows
      const ms = await failover(b);
      out.failover!.push(ms);
      console.log(`  [${runtimeName}] (b) failover: ${secs(ms)}`);
    }
    for (let i = 0; i < REPS; i++) {
      const zone = ZONES[i % ZONES.length]!;
      await ready(zone);
      const ms = await deadServer(b, zone);
      out.deadServer!.push(ms);
      console.log(`  [${runtimeName}] (c) dead server ${zone}: ${secs(ms)}`);
    }
    await b.metrics.close();
    return out;
  } finally {
    process.off('SIGINT', onSigint);
    await stop();
  }
}

type Figure = ReturnType<typeof summary> & { samplesMs: number[]; targetMs: number; met: boolean };
type Figures = Record<keyof typeof TARGETS, Figure>;

/** Median, max and target check of each measure from the raw samples (ms). */
function figuresOf(raw: Record<string, number[]>): Figures {
  const figure = (k: keyof typeof TARGETS): Figure => {
    const s = summary(raw[k] ?? []);
    return {
      ...s,
      samplesMs: raw[k] ?? [],
      targetMs: TARGETS[k],
      met: s.max !== null && s.max <= TARGETS[k],
    };
  };
  return { scaleOut: figure('scaleOut'), failover: figure('failover'), deadServer: figure('deadServer') };
}

const LABELS = [
  ['scaleOut', '(a) scale-out'],
  ['failover', '(b) leader failover'],
  ['deadServer', '(c) dead-server detect'],
] as const;

/** Prints one runtime's table beside the targets and the peers. */
function printTable(runtimeName: RuntimeName, figures: Figures): void {
  console.log(
    `\n ${`measure (${runtimeName})`.padEnd(24)}median    max       target   source design        Kubernetes`,
  );
  for (const [k, label] of LABELS) {
    const f = figures[k];
    const p = PEERS[k];
    console.log(
      ` ${label.padEnd(24)}${secs(f.median).padEnd(10)}${secs(f.max).padEnd(10)}≤ ${secs(f.targetMs).padEnd(7)}${`${secs(p.source.ms)} (${(p.source.ms / (f.median ?? 1)).toFixed(0)}x)`.padEnd(21)}${secs(p.kubernetes.ms)} (${(p.kubernetes.ms / (f.median ?? 1)).toFixed(0)}x)${f.met ? '' : '  MISSED'}`,
    );
  }
}

async function main(): Promise<void> {
  console.log(
    `reaction bench: ${REPS} repetitions each, process runtime then Docker, simulated CPU, monitor flags:`,
  );
  for (const a of BENCH_MONITOR_ARGS) console.log(`  ${a}`);
  const figures = figuresOf(await measureOn('process'));
  // The Docker pass: same cluster and measures, balancers and app servers as containers.
  const dockerSkip = await dockerSkipReason();
  let docker: { skipped: string } | { failed: string } | { image: string; figures: Figures };
  if (dockerSkip) docker = { skipped: dockerSkip };
  else {
    try {
      docker = { image: DOCKER_IMAGE, figures: figuresOf(await measureOn('docker')) };
    } catch (err) {
      docker = { failed: (err as Error).message.slice(0, 500) };
    }
  }

  printTable('process', figures);
  if ('figures' in docker) printTable('docker', docker.figures);
  for (const k of Object.keys(PEERS) as (keyof typeof PEERS)[])
    console.log(`  ${k}: source = ${PEERS[k].source.note}; Kubernetes = ${PEERS[k].kubernetes.note}`);
  if ('skipped' in docker) console.log(`\n Docker: skipped — ${docker.skipped}`);
  else if ('failed' in docker) console.log(`\n Docker: FAILED — ${docker.failed}`);
  else
    console.log(
      `\n Docker (${docker.image}): balancers and app servers as containers (host networking), monitors, collector and gateway as processes; (c) is timed from the \`docker kill\` API call`,
    );
  console.log('\n What the bench timings cost:');
  for (const c of COSTS) console.log(`  - ${c}`);

  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, 'bench', 'results', 'reaction.json'),
    `${JSON.stringify({ date: new Date().toISOString(), reps: REPS, runtime: 'process', monitorArgs: BENCH_MONITOR_ARGS, figures, peers: PEERS, docker, costs: COSTS }, null, 2)}\n`,
  );
  const line = (f: Figures, k: keyof typeof TARGETS, label: string) =>
    `${label} ${secs(f[k].median)} median / ${secs(f[k].max)} max (≤ ${secs(TARGETS[k])} ${f[k].met ? 'met' : 'MISSED'})`;
  const short = (f: Figures) =>
    LABELS.map(([k]) => `${secs(f[k].median)}/${secs(f[k].max)}${f[k].met ? '' : ' MISSED'}`).join(', ');
  const dockerPart =
    'figures' in docker
      ? ` | docker (a, b, c median/max): ${short(docker.figures)}`
      : ` | docker: ${'skipped' in docker ? 'skipped' : 'FAILED'}`;
  console.log(
    `reaction (process): ${line(figures, 'scaleOut', 'scale-out')} · ${line(figures, 'failover', 'failover')} · ${line(figures, 'deadServer', 'dead-server')}${dockerPart}`,
  );
}

// `bun bench/reaction/run.ts cold-start | burst | slow-start`: only (d), (e) or (f).
if (process.argv.includes('cold-start')) await (await import('./cold-start.ts')).coldStart();
else if (process.argv.includes('burst')) await (await import('./burst.ts')).burst();
else if (process.argv.includes('slow-start')) await (await import('./slow-start.ts')).slowStart();
else await main();

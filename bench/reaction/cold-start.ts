/**
 * (d) Cold start, the reaction bench's fourth figure (`bun bench/reaction/run.ts cold-start`, or
 * this file; `REPS=5` by default): the first request to a zone at zero, held by its balancer while
 * the leader starts a server (`POST /activate`), timed from the client's send to the answer's end,
 * and its added latency over the same request to the warm zone right after (median of 20). Starts
 * a cluster of REPS zones with `--policy target --min-replicas 0`, so every zone starts at zero and
 * each repetition wakes a fresh one; first on the process runtime, then on Docker (balancers and app
 * servers as containers of `ZONESCALE_IMAGE`, default zonescale:local, which must hold this code)
 * when the engine answers and the image exists. Targets: ≤ 1 s (process), ≤ 2 s (Docker). Writes
 * `bench/results/cold-start.json`; the last line holds the figures. Stops all it started, also on failure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import { devBalancerArgs } from '../../server/dev/timings.ts';
import { type BenchClusterOptions, withBenchCluster } from '../support/bench-cluster.ts';
import { getJson, secs, summary } from '../support/cluster-probe.ts';

const REPS = Number(process.env.REPS ?? 5);
const ZONES = Array.from({ length: REPS }, (_, i) => `zone${i + 1}`);
const TARGETS = { process: 1_000, docker: 2_000 };
const DOCKER_IMAGE = process.env.ZONESCALE_IMAGE || 'zonescale:local';
/** What the figure is compared with. */
const PEERS = {
  knative:
    'Knative Serving: cold start "in the order of seconds" (activator + pod scheduling + image pull + readiness; its docs advise min-scale 1 where that matters)',
  source: 'the source design has no scale to zero: every zone keeps one server',
};

type RuntimeName = 'process' | 'docker';

async function timed(url: string): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  await res.arrayBuffer();
  return { ms: performance.now() - t0, status: res.status };
}

async function measureOn(runtimeName: RuntimeName): Promise<{ coldMs: number[]; warmMs: number[] }> {
  const clusterId = runtimeName === 'docker' ? `cold-docker-${Math.floor(Date.now() / 1000)}` : 'cold-start';
  const options: BenchClusterOptions = {
    basePort: testBasePort('reaction-bench'),
    cluster: clusterId,
    monitors: 1,
    scenarioMode: 'simulate',
    logLevel: 'warn',
    monitorArgs: [
      `--zones=${ZONES.join(',')}`,
      '--policy=target',
      '--min-replicas=0',
      `--balancer-args=${devBalancerArgs()}`,
    ],
    runtime: runtimeName,
    ...(runtimeName === 'docker' ? { env: { ZONESCALE_IMAGE: DOCKER_IMAGE } } : {}),
  };
  return withBenchCluster('zonescale-cold-start-', options, async (cluster) => {
    const s = await cluster.waitFor(
      'every zone balancer up, at zero',
      (st) =>
        st.leader !== null &&
        st.zones.length === REPS &&
        st.zones.every((z) => z.balancer?.status === 'up' && z.replicas === 0),
      120_000,
    );
    const out = { coldMs: [] as number[], warmMs: [] as number[] };
    for (const zone of ZONES) {
      const bal = s.zones.find((z) => z.zone === zone)?.balancer?.url as string;
      const end = Date.now() + 15_000;
      while (!(await getJson<{ address: string }>(`${bal}/monitor`))?.address && Date.now() < end)
        await Bun.sleep(100);
      const cold = await timed(`${bal}/work?ms=1`);
      if (cold.status !== 200) throw new Error(`${zone}: the first request got ${cold.status}`);
      const warm: number[] = [];
      for (let i = 0; i < 20; i++) warm.push((await timed(`${bal}/work?ms=1`)).ms);
      const w = summary(warm).median ?? 0;
      out.coldMs.push(cold.ms);
      out.warmMs.push(w);
      console.log(`  [${runtimeName}] (d) cold start ${zone}: ${secs(cold.ms)} (warm ${w.toFixed(1)} ms)`);
    }
    return out;
  });
}

async function dockerSkipReason(): Promise<string | null> {
  try {
    const { DockerRuntime } = await import('../../server/adapters/docker/runtime-docker.ts');
    const docker = new DockerRuntime({ cluster: 'cold-start-probe', image: DOCKER_IMAGE }).docker;
    await docker.ping();
    await docker.getImage(DOCKER_IMAGE).inspect();
    return null;
  } catch (err) {
    return `the Docker engine or the ${DOCKER_IMAGE} image is not available (${(err as Error).message.split('\n')[0]})`;
  }
}

function figure(runtimeName: RuntimeName, m: { coldMs: number[]; warmMs: number[] }) {
  const added = m.coldMs.map((c, i) => c - (m.warmMs[i] ?? 0));
  const cold = summary(m.coldMs);
  return {
    cold,
    added: summary(added),
    warmMedianMs: summary(m.warmMs).median,
    samplesMs: m.coldMs,
    targetMs: TARGETS[runtimeName],
    met: cold.max !== null && cold.max <= TARGETS[runtimeName],
  };
}

/** Runs the cold-start case and writes its figure. */
export async function coldStart(): Promise<void> {
  console.log(`cold-start bench: ${REPS} zones at zero, one first request each, process runtime then Docker`);
  const processFig = figure('process', await measureOn('process'));
  const skip = await dockerSkipReason();
  let docker: { skipped: string } | { failed: string } | { image: string; figure: ReturnType<typeof figure> };
  if (skip) docker = { skipped: skip };
  else {
    try {
      docker = { image: DOCKER_IMAGE, figure: figure('docker', await measureOn('docker')) };
    } catch (err) {
      docker = { failed: (err as Error).message.slice(0, 500) };
    }
  }
  const line = (name: string, f: ReturnType<typeof figure>) =>
    `${name}: first request ${secs(f.cold.median)} median / ${secs(f.cold.max)} max (≤ ${secs(f.targetMs)} ${f.met ? 'met' : 'MISSED'}), added ${secs(f.added.median)} over warm ${f.warmMedianMs?.toFixed(1)} ms`;
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, 'bench', 'results', 'cold-start.json'),
    `${JSON.stringify({ date: new Date().toISOString(), reps: REPS, process: processFig, docker, peers: PEERS }, null, 2)}\n`,
  );
  console.log(`  peers: ${PEERS.knative}; ${PEERS.source}`);
  const dockerPart =
    'figure' in docker
      ? ` | ${line('docker', docker.figure)}`
      : ` | docker: ${'skipped' in docker ? `skipped (${docker.skipped})` : `FAILED (${docker.failed})`}`;
  console.log(`cold start (d) ${line('process', processFig)}${dockerPart}`);
}

if (import.meta.main) await coldStart();

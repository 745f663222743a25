/**
 * The control plane's reaction times (run by hand: `bun bench/reaction/run.ts`, `REPS=5` by
 * default). Starts a whole cluster on 127.0.0.1 (`startCluster`, simulated CPU so the figures do not
 * depend on spare cores) with the bench timings of `BENCH_MONITOR_ARGS`, and measures REPS times
 * each: (a) scale-out, (b) leader failover, (c) dead-server detection under traffic (see
 * `measure.ts`); first on the process runtime, then again on Docker (balancers and app servers as
 * containers of `ZONESCALE_IMAGE`, default zonescale:local) when the engine answers and the image
 * exists (else the reason is printed). Prints median and max beside the targets (3 s, 2 s, 1 s), the
 * source design's defaults and Kubernetes', and what each tuned timing costs (`report.ts`). Writes
 * `bench/results/reaction.json`; the last line holds the three process figures and the Docker ones.
 * `bun bench/reaction/run.ts cold-start` runs (d) cold start instead (`cold-start.ts`), `burst` runs
 * (e) the burst, concurrency policy against the CPU target policy (`burst.ts`), `slow-start` runs (f)
 * the p99 after a scale-out with slow start on and off (`slow-start.ts`), `swarm` runs the swarm pass
 * and (g) node loss (`swarm.ts`).
 * Everything it starts is stopped on exit, also on failure.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../server/dev/cluster.ts';
import { BENCH_MONITOR_ARGS, secs, summary } from '../support/cluster-probe.ts';
import { measureOn } from './pass.ts';
import { COSTS, figuresOf, line, type Pass, PEERS, passPart, printPass, printTable } from './report.ts';

const REPS = Number(process.env.REPS ?? 5);

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

/** Runs `measure` unless `skip` names a reason; a thrown error becomes `{failed}`. */
async function pass(skip: string | null, measure: () => Promise<Record<string, number[]>>): Promise<Pass> {
  if (skip) return { skipped: skip };
  try {
    return { image: DOCKER_IMAGE, figures: figuresOf(await measure()) };
  } catch (err) {
    return { failed: (err as Error).message.slice(0, 500) };
  }
}

/** The swarm pass: (a)-(c) on the two-node swarm (brought up and down by `withSwarm` when absent). */
const swarmPass = async (): Promise<Pass> => {
  const { withSwarm } = await import('./swarm.ts');
  return pass(await dockerSkipReason(), () =>
    withSwarm(DOCKER_IMAGE, () => measureOn('swarm', REPS, DOCKER_IMAGE)),
  );
};

const SWARM_NOTE =
  'balancers and app servers as one-task swarm services (host networking) of the two-node swarm of scripts/swarm.sh (zone1 on both nodes, zone2 on the manager; zone3 is not used), monitors, collector and gateway as processes; (c) is timed from the `docker kill` API call on the engine of the node holding the task';

const RESULTS = join(REPO_ROOT, 'bench', 'results');

async function main(): Promise<void> {
  console.log(
    `reaction bench: ${REPS} repetitions each, process runtime, then Docker, then Swarm, simulated CPU, monitor flags:`,
  );
  for (const a of BENCH_MONITOR_ARGS) console.log(`  ${a}`);
  const figures = figuresOf(await measureOn('process', REPS, DOCKER_IMAGE));
  // The container passes: same cluster and measures, balancers and app servers as containers / services.
  const docker = await pass(await dockerSkipReason(), () => measureOn('docker', REPS, DOCKER_IMAGE));
  const swarm = await swarmPass();

  printTable('process', figures);
  if ('figures' in docker) printTable('docker', docker.figures);
  if ('figures' in swarm) printTable('swarm', swarm.figures);
  for (const k of Object.keys(PEERS) as (keyof typeof PEERS)[])
    console.log(`  ${k}: source = ${PEERS[k].source.note}; Kubernetes = ${PEERS[k].kubernetes.note}`);
  printPass(
    'Docker',
    docker,
    'balancers and app servers as containers (host networking), monitors, collector and gateway as processes; (c) is timed from the `docker kill` API call',
  );
  printPass('Swarm', swarm, SWARM_NOTE);
  console.log('\n What the bench timings cost:');
  for (const c of COSTS) console.log(`  - ${c}`);

  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'reaction.json'),
    `${JSON.stringify({ date: new Date().toISOString(), reps: REPS, runtime: 'process', monitorArgs: BENCH_MONITOR_ARGS, figures, peers: PEERS, docker, swarm, costs: COSTS }, null, 2)}\n`,
  );
  console.log(
    `reaction (process): ${line(figures, 'scaleOut', 'scale-out')} · ${line(figures, 'failover', 'failover')} · ${line(figures, 'deadServer', 'dead-server')}${passPart('docker', docker)}${passPart('swarm', swarm)}`,
  );
}

/**
 * `bun bench/reaction/run.ts swarm`: the swarm pass and (g) node loss only (`swarm.ts`); the swarm
 * figures replace `swarm` in reaction.json (the process and Docker figures of the last full run
 * stay), node loss goes to node-loss.json. `NODE_LOSS_REPS` losses (default 1).
 */
async function swarmOnly(): Promise<void> {
  const reps = Number(process.env.NODE_LOSS_REPS ?? 1);
  console.log(`reaction bench, swarm only: ${REPS} repetitions of (a)-(c), ${reps} node loss(es)`);
  const swarm = await swarmPass();
  const { measureNodeLoss, withSwarm } = await import('./swarm.ts');
  const losses = await withSwarm(DOCKER_IMAGE, () => measureNodeLoss(reps, DOCKER_IMAGE));
  if ('figures' in swarm) printTable('swarm', swarm.figures);
  printPass('Swarm', swarm, SWARM_NOTE);
  const file = join(RESULTS, 'reaction.json');
  const old = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...old, swarm, swarmDate: new Date().toISOString() }, null, 2)}\n`);
  const failed = losses.reduce((n, l) => n + l.failed, 0);
  const sent = losses.reduce((n, l) => n + l.sent, 0);
  const back = summary(losses.map((l) => l.backMs).filter((ms): ms is number => ms !== null));
  writeFileSync(
    join(RESULTS, 'node-loss.json'),
    `${JSON.stringify({ date: new Date().toISOString(), image: DOCKER_IMAGE, targetFailed: 0, losses, failed, sent, backMs: back }, null, 2)}\n`,
  );
  console.log(
    `reaction (swarm): ${'figures' in swarm ? `${line(swarm.figures, 'scaleOut', 'scale-out')} · ${line(swarm.figures, 'failover', 'failover')} · ${line(swarm.figures, 'deadServer', 'dead-server')}` : 'skipped' in swarm ? 'skipped' : 'FAILED'} | node loss: ${failed} of ${sent} requests failed (target 0), zone1 back at 2 replicas in ${secs(back.median)} median / ${secs(back.max)} max over ${back.n} of ${losses.length}`,
  );
}

// `bun bench/reaction/run.ts cold-start | burst | slow-start | swarm`: only (d), (e), (f), or the
// swarm pass and (g) node loss. `--help` prints the cases; anything else is refused (exit 2) rather
// than taken for a full run.
const CASES = ['cold-start', 'burst', 'slow-start', 'swarm'];
const USAGE = `usage: bun bench/reaction/run.ts [${CASES.join(' | ')}]   (REPS=5; no case: (a)-(c) on every runtime)`;
const args = process.argv.slice(2).filter((a) => a !== '--');
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = args.filter((a) => !CASES.includes(a));
if (unknown.length > 0 || args.length > 1) {
  console.error(
    `bench:reaction: ${unknown.length > 0 ? `unknown case ${unknown[0]}` : 'one case at a time'}; ${USAGE}`,
  );
  process.exit(2);
}
if (args[0] === 'cold-start') await (await import('./cold-start.ts')).coldStart();
else if (args[0] === 'burst') await (await import('./burst.ts')).burst();
else if (args[0] === 'slow-start') await (await import('./slow-start.ts')).slowStart();
else if (args[0] === 'swarm') await swarmOnly();
else await main();

/**
 * The chaos run (by hand: `bun bench/chaos/run.ts`; `DURATION_S=60`, `SEED=1`). Starts a whole
 * cluster on 127.0.0.1 (`startCluster`, process runtime, simulated CPU, two servers a zone so one
 * app kill is absorbed by the balancer's retries) with the bench timings, sends steady traffic
 * through every zone balancer, and follows a seeded schedule (`schedule.ts`) that SIGKILLs an app
 * server, a zone balancer or the leader monitor every 3–6 s, and restarts Redis once when the
 * cluster runs on the Redis registry (else it says why not). It reports requests sent and failed
 * (each failure with its zone and second, and whether it fell in that zone's own balancer-down
 * window), what was killed and how long each took to recover, and at the end whether the registry,
 * the runtime and the balancers agree. Writes `bench/results/chaos.json`; the last line is the
 * headline. Everything it starts is stopped on exit, also on failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry, openRuntime } from '../../server/adapters/select.ts';
import { type Cluster, clusterReady, REPO_ROOT, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import {
  BENCH_MONITOR_ARGS,
  containers,
  getJson,
  type Pools,
  paceTraffic,
  secs,
  summary,
  until,
} from '../support/cluster-probe.ts';
import { act, type ChaosTargets, type Done, type Kill } from './actions.ts';
import { disagreements } from './agreement.ts';
import { type Failure, failuresBySecond, placeFailures } from './failures.ts';
import { chaosSchedule } from './schedule.ts';

const DURATION_MS = Number(process.env.DURATION_S ?? 60) * 1_000;
const SEED = Number(process.env.SEED ?? 1);
const ZONES = ['zone1', 'zone2', 'zone3'];
const GRACE_MS = 1_000;
const MONITOR_ARGS = [...BENCH_MONITOR_ARGS, '--min-replicas=2'];

/** Why the Redis restart is skipped, or null when the cluster runs on Redis. */
async function redisSkipReason(): Promise<string | null> {
  const url = process.env.REDIS_URL;
  if (!url)
    return 'REDIS_URL is not set, so the cluster runs on the SQLite registry (start Redis with `bash scripts/services.sh up redis` and export REDIS_URL=redis://127.0.0.1:6379)';
  try {
    const r = await openRegistry({ redisUrl: url, dataDir: tmpdir(), cluster: 'chaos-probe' });
    await r.close();
    return null;
  } catch (err) {
    return `the Redis registry cannot be opened: ${(err as Error).message}`;
  }
}

/** Waits until the registry, the runtime and the balancers agree; the epoch ms they did (null after 30 s) and the last disagreements. */
async function awaitAgreement(t: ChaosTargets): Promise<{ agreedAt: number | null; last: string[] }> {
  let last: string[] = [];
  const agreedAt = await until(
    async () => {
      const regs = await containers(await t.cluster.state());
      const pools = new Map(
        await Promise.all(
          t.zones.map(async (z) => [z, await getJson<Pools>(`${t.balancers.get(z)}/pools`)] as const),
        ),
      );
      last =
        regs.length === 0
          ? ['the registry could not be read']
          : disagreements(regs, await t.runtime.list(), pools);
      return last.length === 0;
    },
    30_000,
    250,
  );
  return { agreedAt, last };
}

/** What a run found, for the report and `chaos.json`. */
interface Outcome {
  clusterId: string;
  redisSkip: string | null;
  t0: number;
  sent: number;
  failures: Failure[];
  kills: Kill[];
  agreedAt: number | null;
  disagreements: string[];
}

/** Prints the run's summary, writes `bench/results/chaos.json`, and prints the headline last. */
function report(o: Outcome): void {
  const outside = o.failures.filter((f) => !f.inOwnBalancerDown);
  const byKind = (k: string) => o.kills.filter((x) => x.kind === k);
  console.log(
    `\n requests sent ${o.sent}, failed ${o.failures.length} (${outside.length} outside their own balancer's down window)`,
  );
  for (const [k, n] of failuresBySecond(o.failures)) console.log(`   failed ${n} in ${k}`);
  for (const kind of ['app', 'balancer', 'leader', 'redis-restart']) {
    const ks = byKind(kind);
    if (ks.length === 0) continue;
    const r = summary(ks.map((k) => k.recoveryMs).filter((x): x is number => x !== null));
    console.log(
      ` killed ${ks.length} ${kind}: recovery median ${secs(r.median)}, max ${secs(r.max)}${r.n < ks.length ? ` (${ks.length - r.n} not seen)` : ''}`,
    );
  }
  console.log(
    o.agreedAt
      ? ` agreement: registry, runtime and balancers agree (${secs(o.agreedAt - o.t0 - DURATION_MS)} after the run)`
      : ` agreement: NO — ${o.disagreements.join('; ')}`,
  );
  if (o.redisSkip) console.log(` Redis restart: skipped — ${o.redisSkip}`);

  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  const json = {
    date: new Date().toISOString(),
    seed: SEED,
    durationMs: DURATION_MS,
    registry: o.redisSkip ? 'sqlite' : 'redis',
    cluster: o.clusterId,
    monitorArgs: MONITOR_ARGS,
    sent: o.sent,
    failed: o.failures.length,
    failedOutsideOwnBalancerDown: outside.length,
    failures: o.failures,
    kills: o.kills.map((k) => ({ ...k, at: k.at - o.t0 })),
    agreement: o.agreedAt !== null,
    disagreements: o.disagreements,
    redisRestart: o.redisSkip ? { skipped: o.redisSkip } : 'done',
  };
  writeFileSync(join(REPO_ROOT, 'bench', 'results', 'chaos.json'), `${JSON.stringify(json, null, 2)}\n`);
  console.log(
    `chaos (seed ${SEED}, ${DURATION_MS / 1000} s): ${o.sent} requests, ${o.failures.length} failed, ${outside.length} outside their zone's balancer-down window; killed ${byKind('app').length} apps, ${byKind('balancer').length} balancers, ${byKind('leader').length} leaders${o.redisSkip ? '' : ', restarted Redis once'}; agreement ${o.agreedAt ? 'yes' : 'NO'}`,
  );
}

async function main(): Promise<void> {
  const redisSkip = await redisSkipReason();
  const schedule = chaosSchedule({ seed: SEED, durationMs: DURATION_MS, redisRestart: redisSkip === null });
  console.log(`chaos run: ${DURATION_MS / 1000} s, seed ${SEED}, ${schedule.length} actions planned`);
  if (redisSkip) console.log(`  Redis restart skipped: ${redisSkip}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-chaos-'));
  // On Redis the registry outlives the run: a fresh cluster id keeps an earlier run's keys (term,
  // containers, events) out of this one.
  const clusterId = redisSkip ? 'chaos' : `chaos-${Math.floor(Date.now() / 1000)}`;
  let cluster: Cluster | null = null;
  const stop = async () => {
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    cluster = await startCluster({
      basePort: testBasePort('chaos-bench'),
      dataDir,
      cluster: clusterId,
      token: randomBytes(24).toString('hex'),
      scenarioMode: 'simulate',
      logLevel: 'warn',
      monitorArgs: MONITOR_ARGS,
    });
    await cluster.waitFor(
      'every zone with two alive servers',
      (s) =>
        clusterReady(s, 3) && s.zones.every((z) => z.servers.filter((v) => v.state === 'alive').length >= 2),
      120_000,
    );
    const balancers = new Map(
      ((await cluster.state())?.zones ?? []).map((z) => [z.zone, z.balancer!.url] as const),
    );
    const t: ChaosTargets = {
      cluster,
      runtime: openRuntime({ runtime: 'process', dataDir, cluster: clusterId }),
      zones: ZONES,
      balancers,
    };
    const traffic = new Map(
      ZONES.map((z) => [z, paceTraffic(balancers.get(z)!, { everyMs: 50, loops: 2, timeoutMs: 5_000 })]),
    );
    const t0 = Date.now();
    const done: Done[] = [];
    for (const a of schedule) {
      await Bun.sleep(Math.max(0, t0 + a.at - Date.now()));
      const d = await act(a, t);
      if (!d) continue;
      done.push(d);
      console.log(`  +${((d.kill.at - t0) / 1000).toFixed(1)} s  kill ${d.kill.kind} ${d.kill.target}`);
    }
    await Bun.sleep(Math.max(0, t0 + DURATION_MS - Date.now()));
    for (const x of traffic.values()) await x.stop();
    await Promise.all(done.map((d) => d.recovery));

    const { agreedAt, last } = await awaitAgreement(t);
    const windows = done.flatMap((d) => (d.down ? [d.down] : []));
    const hits = new Map([...traffic].map(([z, x]) => [z, x.hits] as const));
    const { sent, failures } = placeFailures(hits, windows, t0, GRACE_MS);
    const kills = done.map((d) => d.kill);
    report({ clusterId, redisSkip, t0, sent, failures, kills, agreedAt, disagreements: last });
  } finally {
    await stop();
  }
}

await main();

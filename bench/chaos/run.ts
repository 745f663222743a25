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
  type Hit,
  type Pools,
  paceTraffic,
  secs,
  summary,
  until,
} from '../support/cluster-probe.ts';
import { disagreements } from './agreement.ts';
import { type ChaosAction, chaosSchedule } from './schedule.ts';

const DURATION_MS = Number(process.env.DURATION_S ?? 60) * 1_000;
const SEED = Number(process.env.SEED ?? 1);
const ZONES = ['zone1', 'zone2', 'zone3'];
const GRACE_MS = 1_000;

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

interface Kill {
  at: number;
  kind: ChaosAction['kind'];
  target: string;
  zone: string | null;
  /** ms until recovered (balancer answering / new leader / server replaced / Redis answering), null if not seen. */
  recoveryMs: number | null;
}

async function main(): Promise<void> {
  const redisSkip = await redisSkipReason();
  const schedule = chaosSchedule({ seed: SEED, durationMs: DURATION_MS, redisRestart: redisSkip === null });
  console.log(`chaos run: ${DURATION_MS / 1000} s, seed ${SEED}, ${schedule.length} actions planned`);
  if (redisSkip) console.log(`  Redis restart skipped: ${redisSkip}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-chaos-'));
  const basePort = testBasePort('chaos-bench');
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
      basePort,
      dataDir,
      cluster: clusterId,
      token: randomBytes(24).toString('hex'),
      scenarioMode: 'simulate',
      logLevel: 'warn',
      monitorArgs: [...BENCH_MONITOR_ARGS, '--min-replicas=2'],
    });
    const c = cluster;
    const runtime = openRuntime({ runtime: 'process', dataDir, cluster: clusterId });
    await c.waitFor(
      'every zone with two alive servers',
      (s) =>
        clusterReady(s, 3) && s.zones.every((z) => z.servers.filter((v) => v.state === 'alive').length >= 2),
      120_000,
    );
    const balancers = new Map(
      ((await c.state())?.zones ?? []).map((z) => [z.zone, z.balancer!.url] as const),
    );
    const traffic = new Map(
      ZONES.map((z) => [z, paceTraffic(balancers.get(z)!, { everyMs: 50, loops: 2, timeoutMs: 5_000 })]),
    );
    const t0 = Date.now();
    const kills: Kill[] = [];
    const recoveries: Promise<void>[] = [];
    const downWindows: { zone: string; from: number; to: number }[] = [];

    for (const a of schedule) {
      await Bun.sleep(Math.max(0, t0 + a.at - Date.now()));
      const s = await c.state();
      const at = Date.now();
      if (a.kind === 'app') {
        const apps = (await runtime.list()).filter((x) => x.role === 'app' && x.running);
        const v = apps[Math.floor(a.pick * apps.length)];
        if (!v) continue;
        process.kill(Number(v.runtimeId), 'SIGKILL');
        const k: Kill = { at, kind: 'app', target: v.id, zone: v.zone, recoveryMs: null };
        kills.push(k);
        // Recovered once the registry no longer holds it and its zone has two alive servers again.
        recoveries.push(
          until(
            async () => {
              const st = await c.state();
              const z = st?.zones.find((x) => x.zone === v.zone);
              return (
                !!z &&
                !z.servers.some((x) => x.id === v.id) &&
                z.servers.filter((x) => x.state === 'alive').length >= 2
              );
            },
            60_000,
            100,
          ).then((t) => void (k.recoveryMs = t && t - at)),
        );
      } else if (a.kind === 'balancer') {
        const zone = ZONES[Math.floor(a.pick * ZONES.length)]!;
        const b = (await runtime.list()).find((x) => x.role === 'balancer' && x.zone === zone && x.running);
        if (!b) continue;
        process.kill(Number(b.runtimeId), 'SIGKILL');
        const k: Kill = { at, kind: 'balancer', target: b.id, zone, recoveryMs: null };
        kills.push(k);
        const w = { zone, from: at, to: Number.POSITIVE_INFINITY };
        downWindows.push(w);
        recoveries.push(
          until(
            async () => {
              const p = await getJson<Pools>(`${balancers.get(zone)}/pools`, 300);
              return !!p && p.alive.length > 0;
            },
            60_000,
            20,
          ).then((t) => {
            k.recoveryMs = t && t - at;
            w.to = t ?? Number.POSITIVE_INFINITY;
          }),
        );
      } else if (a.kind === 'leader') {
        const old = s?.leader;
        const proc = old && c.monitors.find((m) => m.id === old.id)?.proc;
        if (!old || !proc) continue;
        proc.kill('SIGKILL');
        const k: Kill = { at, kind: 'leader', target: `monitor-${old.id}`, zone: null, recoveryMs: null };
        kills.push(k);
        recoveries.push(
          (async () => {
            const t = await until(
              async () => {
                const l = (await c.state())?.leader;
                return !!l && l.term > old.term && l.id !== old.id;
              },
              60_000,
              20,
            );
            k.recoveryMs = t && t - at;
            await proc.exited;
            c.restartMonitor(old.id);
          })(),
        );
      } else {
        const k: Kill = { at, kind: 'redis-restart', target: 'redis', zone: null, recoveryMs: null };
        kills.push(k);
        const sh = (cmd: string) =>
          Bun.spawn(['bash', join(REPO_ROOT, 'scripts/services.sh'), cmd, 'redis'], {
            stdout: 'ignore',
            stderr: 'inherit',
          }).exited;
        await sh('down');
        await sh('up');
        k.recoveryMs = Date.now() - at;
      }
      console.log(
        `  +${((at - t0) / 1000).toFixed(1)} s  kill ${kills.at(-1)?.kind} ${kills.at(-1)?.target}`,
      );
    }
    await Bun.sleep(Math.max(0, t0 + DURATION_MS - Date.now()));
    for (const t of traffic.values()) await t.stop();
    await Promise.all(recoveries);

    // Agreement: poll until the registry, the runtime and the balancers agree (or 30 s pass).
    let last: string[] = [];
    const agreedAt = await until(
      async () => {
        const regs = await containers(await c.state());
        const pools = new Map(
          await Promise.all(
            ZONES.map(async (z) => [z, await getJson<Pools>(`${balancers.get(z)}/pools`)] as const),
          ),
        );
        last =
          regs.length === 0
            ? ['the registry could not be read']
            : disagreements(regs, await runtime.list(), pools);
        return last.length === 0;
      },
      30_000,
      250,
    );

    // Failures, each placed in its zone's own balancer-down window (with a grace second) or not.
    const failures: { zone: string; second: number; status: number; inOwnBalancerDown: boolean }[] = [];
    let sent = 0;
    for (const [zone, t] of traffic) {
      sent += t.hits.length;
      for (const h of t.hits.filter((x: Hit) => x.status !== 200)) {
        const inDown = downWindows.some((w) => w.zone === zone && h.t >= w.from && h.t <= w.to + GRACE_MS);
        failures.push({
          zone,
          second: Math.floor((h.t - t0) / 1000),
          status: h.status,
          inOwnBalancerDown: inDown,
        });
      }
    }
    const outside = failures.filter((f) => !f.inOwnBalancerDown);
    const byKind = (k: string) => kills.filter((x) => x.kind === k);
    console.log(
      `\n requests sent ${sent}, failed ${failures.length} (${outside.length} outside their own balancer's down window)`,
    );
    const seconds = new Map<string, number>();
    for (const f of failures)
      seconds.set(
        `${f.zone} @${f.second}s${f.inOwnBalancerDown ? '' : ' (OUTSIDE)'}`,
        (seconds.get(`${f.zone} @${f.second}s${f.inOwnBalancerDown ? '' : ' (OUTSIDE)'}`) ?? 0) + 1,
      );
    for (const [k, n] of seconds) console.log(`   failed ${n} in ${k}`);
    for (const kind of ['app', 'balancer', 'leader', 'redis-restart']) {
      const ks = byKind(kind);
      if (ks.length === 0) continue;
      const r = summary(ks.map((k) => k.recoveryMs).filter((x): x is number => x !== null));
      console.log(
        ` killed ${ks.length} ${kind}: recovery median ${secs(r.median)}, max ${secs(r.max)}${r.n < ks.length ? ` (${ks.length - r.n} not seen)` : ''}`,
      );
    }
    console.log(
      agreedAt
        ? ` agreement: registry, runtime and balancers agree (${secs(agreedAt - t0 - DURATION_MS)} after the run)`
        : ` agreement: NO — ${last.join('; ')}`,
    );
    if (redisSkip) console.log(` Redis restart: skipped — ${redisSkip}`);

    mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(REPO_ROOT, 'bench', 'results', 'chaos.json'),
      `${JSON.stringify({ date: new Date().toISOString(), seed: SEED, durationMs: DURATION_MS, registry: redisSkip ? 'sqlite' : 'redis', cluster: clusterId, monitorArgs: [...BENCH_MONITOR_ARGS, '--min-replicas=2'], sent, failed: failures.length, failedOutsideOwnBalancerDown: outside.length, failures, kills: kills.map((k) => ({ ...k, at: k.at - t0 })), agreement: agreedAt !== null, disagreements: last, redisRestart: redisSkip ? { skipped: redisSkip } : 'done' }, null, 2)}\n`,
    );
    console.log(
      `chaos (seed ${SEED}, ${DURATION_MS / 1000} s): ${sent} requests, ${failures.length} failed, ${outside.length} outside their zone's balancer-down window; killed ${byKind('app').length} apps, ${byKind('balancer').length} balancers, ${byKind('leader').length} leaders${redisSkip ? '' : ', restarted Redis once'}; agreement ${agreedAt ? 'yes' : 'NO'}`,
    );
  } finally {
    await stop();
  }
}

await main();

/**
 * The balancer benchmark (run by hand: `bun run bench:balancer`, which raises the file-descriptor
 * limit and installs the peers first; see `run.sh`). On 127.0.0.1, against one raw Bun backend
 * (`backend.ts`), with wrk -t1, it measures eight workloads (`workloads.ts`: GET 50 B, POST 1 KiB
 * JSON, GET 64 KiB, GET 64 KiB whose head carries Node's keep-alive lines, GET 1 MiB over 16
 * connections, GET 2 KiB chunked, GET
 * 50 B with `Connection: close`, GET 50 B over 1,000 connections) against the backend directly, HAProxy (nbthread 1), nginx (1 worker) and the
 * zonescale balancer (round-robin; the small GET also with the other strategies), in interleaved
 * rounds (`BENCH_ROUNDS`, default 3: every target once per workload per round, all started afresh
 * each round, measured in the reverse order in even rounds: `inRoundOrder`); each figure is the
 * median over the rounds, because this shared 2-core VM drifts by ±15 %; a second line per workload gives the median of the per-round ratios to HAProxy (each round
 * runs the targets back to back, so the drift cancels out of each pair), and each run's row the
 * machine's steal time (a run with more than `BENCH_STEAL_LIMIT_PCT`, default 5 %, is measured
 * again, up to `BENCH_STEAL_RETRIES` times, and the quietest counts; every target alike). Beside req/s, p50 and p99 it reports the CPU time (user + system) the proxy spent per
 * request, from `/proc`, and the upstream connections it opened per request, counted by the backend
 * itself (the same method for all three proxies). Then: 10,000 keep-alive connections held on the
 * balancer (socket errors), one of three backends SIGKILLed under load (failed requests), and the
 * abuse section (`abuse.ts`): slow uploads beside normal clients on a two-server zone, and a flood
 * of pipelined requests nobody reads (the balancer's RSS against a stated bound). `BENCH_SECTIONS`
 * (comma list of `throughput,many,killed,abuse`) runs a subset, `BENCH_WORKLOADS` (workload keys) and
 * `BENCH_TARGETS` (`direct,haproxy,nginx,strategies`) narrow the throughput section. Figures go to
 * `bench/results/balancer.json`; the last printed line is the headline. Everything it starts is
 * killed on exit, also on failure or Ctrl-C.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH } from './config.ts';
import { machineTicksNow, processCpuMs, stealPct } from './cpu.ts';
import {
  backendStats,
  cleanup,
  dir,
  ROOT,
  type Started,
  startBackend,
  startBalancer,
  startHaproxy,
  startNginx,
  stop,
} from './procs.ts';
import { cpuModel, figures, pairedFigures, type Runs, targetsOf } from './report.ts';
import { abuse, backendKilled, manyConnections } from './sections.ts';
import { headline, type Measured, medianOf, quietest, ratio, tableHeader, tableRow } from './stats.ts';
import { inRoundOrder, type Workload, workloads, wrkExtra } from './workloads.ts';
import { runWrk } from './wrk.ts';

const {
  SECONDS,
  ROUNDS,
  WARMUP_SECONDS,
  KEEPALIVE_CONNECTIONS,
  SECTIONS,
  WORKLOADS,
  TARGETS,
  STEAL_LIMIT_PCT,
  STEAL_RETRIES,
} = BENCH;
const STRATEGIES = ['round-robin', 'least-connections', 'p2c', 'consistent-hash'] as const;

process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

/** Warms up, then measures workload `w` at `url`: wrk, the CPU of `pid`, the backend's new connections. */
async function measureOnce(w: Workload, url: string, pid: number, backendUrl: string): Promise<Measured> {
  const o = { threads: 1, connections: w.connections, extra: wrkExtra(w, dir) };
  if (WARMUP_SECONDS > 0) await runWrk(`${url}${w.path}`, { ...o, seconds: WARMUP_SECONDS });
  const s0 = await backendStats(backendUrl);
  const cpu0 = processCpuMs(pid);
  const m0 = machineTicksNow();
  const r = await runWrk(`${url}${w.path}`, { ...o, seconds: SECONDS });
  const steal = stealPct(m0, machineTicksNow());
  const cpuUsPerReq = r.requests > 0 ? ((processCpuMs(pid) - cpu0) * 1000) / r.requests : Number.NaN;
  const s1 = await backendStats(backendUrl);
  // Each stats call is one connection of its own: the second one is not the proxy's.
  const opened = s1.connections - s0.connections - 1;
  const upstreamConnsPerReq = r.requests > 0 ? opened / r.requests : Number.NaN;
  return { ...r, cpuUsPerReq, upstreamConnsPerReq, stealPct: steal };
}

/** `measureOnce`, measured again while the machine's steal time is over the limit (`quietest`). */
function measure(w: Workload, url: string, pid: number, backendUrl: string): Promise<Measured> {
  return quietest(
    () => measureOnce(w, url, pid, backendUrl),
    STEAL_LIMIT_PCT,
    STEAL_RETRIES,
    (steal) => console.log(`      steal ${steal}% over ${STEAL_LIMIT_PCT}%: measured again`),
  );
}

/** The throughput section: every workload against every target, `ROUNDS` interleaved rounds. */
async function throughput(ws: Workload[], be: Started & { hostPort: string }): Promise<Runs> {
  const runs: Runs = new Map(ws.map((w) => [w.key, new Map()]));
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round} of ${ROUNDS}`);
    const haproxy = await startHaproxy([be.hostPort]);
    const nginx = TARGETS.has('nginx') ? await startNginx([be.hostPort]) : null;
    const zs = new Map<string, Started>();
    for (const s of STRATEGIES)
      if (s === 'round-robin' || TARGETS.has('strategies')) zs.set(s, await startBalancer(s, [be.url]));
    for (const w of ws) {
      console.log(`  ${w.name}`);
      const targets: [string, Started][] = [
        ...(TARGETS.has('direct') ? [['direct', be] as [string, Started]] : []),
        ['haproxy', haproxy],
        ...(nginx ? [['nginx', nginx] as [string, Started]] : []),
        ...[...zs]
          .filter(([s]) => w.strategies || s === 'round-robin')
          .map(([s, b]): [string, Started] => [`zonescale ${s}`, b]),
      ];
      for (const [name, t] of inRoundOrder(targets, round)) {
        const r = await measure(w, t.url, t.proc.pid, be.url);
        const byTarget = runs.get(w.key) as Map<string, Measured[]>;
        byTarget.set(name, [...(byTarget.get(name) ?? []), r]);
        const setAside = r.setAsideStealPct ? ` (set aside: ${r.setAsideStealPct.join('%, ')}%)` : '';
        console.log(`    ${tableRow(name, r, undefined)}  steal ${r.stealPct}%${setAside}`);
      }
    }
    for (const p of [haproxy, ...(nginx ? [nginx] : []), ...zs.values()]) await stop(p.proc);
  }
  return runs;
}

async function main(): Promise<void> {
  for (const bin of ['wrk', 'haproxy', 'nginx'])
    if (!Bun.which(bin) && !Bun.which(bin, { PATH: '/usr/sbin:/usr/bin' }))
      throw new Error(`${bin} not found: run bash bench/balancer/install.sh (as root)`);
  const ws = workloads(KEEPALIVE_CONNECTIONS).filter((w) => !WORKLOADS || WORKLOADS.has(w.key));
  for (const w of ws) if (w.script) writeFileSync(join(dir, w.script.file), w.script.text);
  console.log(
    `balancer benchmark: wrk -t1 -d${SECONDS}s (after ${WARMUP_SECONDS}s warm-up), ${ROUNDS} round(s), 127.0.0.1, one raw Bun ` +
      `backend; HAProxy nbthread 1, nginx worker_processes 1, zonescale balancer one process; ${navigator.hardwareConcurrency} cores`,
  );
  const be = await startBackend();
  const results: Record<string, unknown> = {
    when: new Date().toISOString(),
    setup: {
      wrk: { threads: 1, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS },
      rounds: ROUNDS,
      steal: { limitPct: STEAL_LIMIT_PCT, retries: STEAL_RETRIES },
      figures:
        'median over the rounds (each figure separately); pairedWithHaproxy: the median of the per-round ratios; upstreamConnsPerReq = TCP connections the backend accepted during the run / requests',
      haproxy: 'nbthread 1, http-reuse always, option forwardfor, X-Forwarded-Proto/-Host set',
      nginx: 'worker_processes 1, upstream keepalive 256, Host passed, X-Forwarded-For/-Proto/-Host set',
      balancer: `one Bun ${Bun.version} process`,
      backend: 'raw Bun.listen, fixed answers (bench/balancer/backend-http.ts)',
      cores: navigator.hardwareConcurrency,
      cpu: cpuModel(),
    },
  };
  const ratios: { name: string; rpsVsHaproxy: number }[] = [];
  if (SECTIONS.has('throughput')) {
    const runs = await throughput(ws, be);
    const out: Record<string, unknown> = {};
    console.log(`\nmedian of ${ROUNDS} round(s)`);
    for (const w of ws) {
      const byTarget = runs.get(w.key) as Map<string, Measured[]>;
      const med = new Map([...byTarget].map(([n, rs]) => [n, medianOf(rs)]));
      const base = med.get('haproxy');
      console.log(`\n${w.name}\n${tableHeader()}`);
      for (const [n, r] of med) console.log(tableRow(n, r, base));
      const rr = med.get('zonescale round-robin');
      if (rr && base) ratios.push({ name: w.name, rpsVsHaproxy: ratio(rr.rps, base.rps) });
      const paired = pairedFigures(byTarget);
      if (paired)
        console.log(
          `round-robin / HAProxy per round, median: req/s ${paired.rpsVsHaproxy}x, p99 ${paired.p99VsHaproxy}x, cpu ${paired.cpuVsHaproxy}x`,
        );
      out[w.key] = {
        name: w.name,
        connections: w.connections,
        targets: Object.fromEntries([...med].map(([n, r]) => [n, figures(r, byTarget.get(n) ?? [], base)])),
        ...(paired ? { pairedWithHaproxy: paired } : {}),
      };
    }
    console.log(
      '(cpu µs: user + system CPU of the proxy process per request, of the backend for direct; ' +
        'up-conn/req: connections the backend accepted per request; errors: non-2xx + socket errors)',
    );
    results.workloads = out;
    results.targets = targetsOf(runs, ws);
  }
  if (SECTIONS.has('many')) results.manyConnections = await manyConnections(be);
  if (SECTIONS.has('killed')) results.backendKilled = await backendKilled(be, SECONDS);
  if (SECTIONS.has('abuse')) results.abuse = await abuse(be);
  writeFileSync(join(ROOT, 'bench', 'results', 'balancer.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nwrote bench/results/balancer.json');
  if (ratios.length > 0) console.log(headline(ratios, ROUNDS));
}

try {
  await main();
} finally {
  cleanup();
}

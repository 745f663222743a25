/**
 * The balancer benchmark (run by hand: `bun run bench:balancer`, which raises the file-descriptor
 * limit and installs the peers first; see `run.sh`). On 127.0.0.1, against the same small-response
 * Bun backend, with wrk at fixed threads and connections, it measures: the backend directly,
 * HAProxy (Debian, nbthread 1), nginx (Debian, worker_processes 1, upstream keep-alive) and the
 * zonescale balancer (one process) with each strategy; prints req/s, p50 and p99 and each figure's
 * ratio to HAProxy. Targets are measured in interleaved rounds (`BENCH_ROUNDS`, default 3: every
 * target once per round) and each figure is the median over the rounds, because this shared 2-core
 * VM drifts by ±15 % between runs; the per-round figures are kept in the JSON. Beside latency it
 * reports the CPU time (user + system) the proxy process spent per request, read from `/proc`:
 * the efficiency figure that a busy host disturbs least. Then it holds 10,000 keep-alive connections on the balancer for 30 s and counts
 * socket errors, and kills one of three backends mid-run and counts failed requests. Figures go to
 * `bench/results/balancer.json`; the last printed line is round-robin throughput / HAProxy's.
 * Everything it starts is killed on exit, also on failure or Ctrl-C.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processCpuMs } from './cpu.ts';
import { haproxyConfig, nginxConfig } from './peers.ts';
import { runWrk, type WrkResult } from './wrk.ts';

const ROOT = join(import.meta.dir, '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const WARMUP_SECONDS = 2;
const THREADS = 1;
const CONNECTIONS = 64;
const MANY_CONNECTIONS = Number(process.env.BENCH_MANY_CONNECTIONS ?? 10_000);
const MANY_SECONDS = Number(process.env.BENCH_MANY_SECONDS ?? 30);
const STRATEGIES = ['round-robin', 'least-connections', 'p2c', 'consistent-hash'] as const;
const TOKEN = 'bench-token-0123456789abcdef';

const dir = mkdtempSync(join(tmpdir(), 'zonescale-bench-'));
const procs = new Set<Bun.Subprocess>();
// Below Linux's ephemeral range (32768+): the 10,000-connection run leaves that many client ports in
// TIME_WAIT, and a listener there fails with EADDRINUSE in the next run.
let nextPort = 20_000 + Math.floor(Math.random() * 12_000);

function cleanup(): void {
  for (const p of procs) p.kill('SIGTERM');
  procs.clear();
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

/** A free-looking port from a random base (the run's ports are consecutive). */
function port(): number {
  return nextPort++;
}

function spawn(name: string, cmd: string[], env: Record<string, string> = {}): Bun.Subprocess {
  const log = Bun.file(join(dir, `${name}.log`));
  const p = Bun.spawn(cmd, { cwd: ROOT, stdout: log, stderr: log, env: { ...process.env, ...env } });
  procs.add(p);
  return p;
}

/** SIGTERM (nginx's master then stops its workers), SIGKILL after 3 s. */
async function stop(p: Bun.Subprocess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  p.kill(signal);
  const t = setTimeout(() => p.kill('SIGKILL'), 3_000);
  await p.exited;
  clearTimeout(t);
  procs.delete(p);
}

async function waitUp(url: string, name: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(500) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {}
    if (Date.now() > deadline) {
      const log = await Bun.file(join(dir, `${name}.log`))
        .text()
        .catch(() => '');
      throw new Error(`${name} did not come up at ${url}\n${log.slice(-2000)}`);
    }
    await Bun.sleep(50);
  }
}

async function backend(): Promise<{ url: string; hostPort: string; proc: Bun.Subprocess }> {
  const p = port();
  const proc = spawn(`backend-${p}`, ['bun', 'bench/balancer/backend.ts', String(p)]);
  const url = `http://127.0.0.1:${p}`;
  await waitUp(`${url}/`, `backend-${p}`);
  return { url, hostPort: `127.0.0.1:${p}`, proc };
}

async function balancer(
  strategy: string,
  servers: readonly string[],
): Promise<{ url: string; proc: Bun.Subprocess }> {
  const p = port();
  const name = `balancer-${strategy}-${p}`;
  const proc = spawn(
    name,
    [
      'bun',
      'server/main.ts',
      'balancer',
      '--zone',
      'bench',
      '--port',
      String(p),
      '--servers',
      servers.join(','),
      '--strategy',
      strategy,
      '--check-interval-ms',
      '1000',
      '--recheck-interval-ms',
      '1000',
    ],
    { ZONESCALE_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
  );
  const url = `http://127.0.0.1:${p}`;
  await waitUp(`${url}/health_check`, name);
  return { url, proc };
}

/** A wrk result plus the CPU time (µs, user + system) the measured process spent per request. */
type Measured = WrkResult & { cpuUsPerReq: number };

/** Warms up, then measures `url` with wrk and the CPU that process `pid` (and its children) used. */
async function measure(url: string, pid: number): Promise<Measured> {
  await runWrk(`${url}/`, { threads: THREADS, connections: CONNECTIONS, seconds: WARMUP_SECONDS });
  const before = processCpuMs(pid);
  const r = await runWrk(`${url}/`, { threads: THREADS, connections: CONNECTIONS, seconds: SECONDS });
  const cpuUsPerReq = r.requests > 0 ? ((processCpuMs(pid) - before) * 1000) / r.requests : Number.NaN;
  return { ...r, cpuUsPerReq };
}

/** Median of each figure over the rounds (rps, p50, p99 and CPU separately; counts summed). */
function medianOf(rs: Measured[]): Measured {
  const med = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    const m = v.length >> 1;
    return v.length % 2 ? (v[m] as number) : ((v[m - 1] as number) + (v[m] as number)) / 2;
  };
  return {
    rps: med(rs.map((r) => r.rps)),
    p50Ms: med(rs.map((r) => r.p50Ms)),
    p99Ms: med(rs.map((r) => r.p99Ms)),
    cpuUsPerReq: med(rs.map((r) => r.cpuUsPerReq)),
    requests: rs.reduce((a, r) => a + r.requests, 0),
    socketErrors: rs[0]?.socketErrors ?? { connect: 0, read: 0, write: 0, timeout: 0 },
    non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
  };
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : Number.NaN);
const pad = (s: string | number, n: number) => String(s).padStart(n);

async function main(): Promise<void> {
  for (const bin of ['wrk', 'haproxy', 'nginx'])
    if (!Bun.which(bin) && !Bun.which(bin, { PATH: '/usr/sbin:/usr/bin' }))
      throw new Error(`${bin} not found: run bash bench/balancer/install.sh (as root)`);
  const nginxBin = Bun.which('nginx') ?? '/usr/sbin/nginx';
  console.log(
    `balancer benchmark: wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s (after ${WARMUP_SECONDS}s warm-up), 127.0.0.1, ` +
      `one Bun backend; HAProxy nbthread 1, nginx worker_processes 1, zonescale balancer one process; ${navigator.hardwareConcurrency} cores`,
  );
  const runs = new Map<string, Measured[]>();
  const record = (name: string, r: Measured) => {
    const list = runs.get(name) ?? [];
    list.push(r);
    runs.set(name, list);
    console.log(
      `  ${name.padEnd(30)}${pad(Math.round(r.rps), 8)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  cpu ${r.cpuUsPerReq.toFixed(1)} µs/req`,
    );
  };
  const be = await backend();

  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round} of ${ROUNDS}`);
    record('direct', await measure(be.url, be.proc.pid));

    const hp = port();
    writeFileSync(join(dir, 'haproxy.cfg'), haproxyConfig(hp, [be.hostPort]));
    const haproxy = spawn('haproxy', ['haproxy', '-db', '-f', join(dir, 'haproxy.cfg')]);
    await waitUp(`http://127.0.0.1:${hp}/`, 'haproxy');
    record('haproxy', await measure(`http://127.0.0.1:${hp}`, haproxy.pid));
    await stop(haproxy);

    const np = port();
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(np, [be.hostPort], dir));
    const nginx = spawn('nginx', [
      nginxBin,
      '-e',
      join(dir, 'nginx-error.log'),
      '-c',
      join(dir, 'nginx.conf'),
      '-g',
      'daemon off;',
    ]);
    await waitUp(`http://127.0.0.1:${np}/`, 'nginx');
    record('nginx', await measure(`http://127.0.0.1:${np}`, nginx.pid));
    await stop(nginx);

    for (const s of STRATEGIES) {
      const b = await balancer(s, [be.url]);
      record(`zonescale ${s}`, await measure(b.url, b.proc.pid));
      await stop(b.proc);
    }
  }
  const rows = [...runs].map(([name, rs]) => ({ name, r: medianOf(rs), rounds: rs }));

  const base = rows.find((x) => x.name === 'haproxy')?.r as Measured;
  console.log(`\nmedian of ${ROUNDS} round(s)`);
  console.log(
    `${'target'.padEnd(30)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('rps/HA', 8)}${pad('p50/HA', 8)}${pad('p99/HA', 8)}${pad('cpu µs/req', 12)}${pad('cpu/HA', 8)}`,
  );
  for (const { name, r } of rows)
    console.log(
      `${name.padEnd(30)}${pad(Math.round(r.rps), 10)}${pad(r.p50Ms.toFixed(2), 9)}${pad(r.p99Ms.toFixed(2), 9)}` +
        `${pad(`${ratio(r.rps, base.rps)}x`, 8)}${pad(`${ratio(r.p50Ms, base.p50Ms)}x`, 8)}${pad(`${ratio(r.p99Ms, base.p99Ms)}x`, 8)}` +
        `${pad(r.cpuUsPerReq.toFixed(1), 12)}${pad(`${ratio(r.cpuUsPerReq, base.cpuUsPerReq)}x`, 8)}`,
    );
  console.log('(cpu µs/req: user + system CPU of the proxy process per request; of the backend for direct)');

  // 10,000 concurrent keep-alive connections held on the round-robin balancer.
  const many = await balancer('round-robin', [be.url]);
  console.log(
    `\nholding ${MANY_CONNECTIONS} keep-alive connections for ${MANY_SECONDS}s on the balancer (wrk -t1 -c${MANY_CONNECTIONS}) ...`,
  );
  const manyR = await runWrk(`${many.url}/`, {
    threads: 1,
    connections: MANY_CONNECTIONS,
    seconds: MANY_SECONDS,
    timeoutS: 10,
  });
  await stop(many.proc);
  const manyErrors = Object.values(manyR.socketErrors).reduce((a, b) => a + b, 0);
  console.log(
    `${MANY_CONNECTIONS} connections: ${Math.round(manyR.rps)} req/s, p99 ${manyR.p99Ms.toFixed(1)} ms, socket errors ${manyErrors} ` +
      `(${JSON.stringify(manyR.socketErrors)}), non-2xx ${manyR.non2xx}`,
  );

  // One of three backends killed mid-run under load.
  const extra = [await backend(), await backend()];
  const trio = [be, ...extra];
  const kb = await balancer(
    'round-robin',
    trio.map((b) => b.url),
  );
  const killAfterMs = Math.round((SECONDS * 1000) / 3);
  console.log(
    `\nkilling one of three backends (SIGKILL) after ${killAfterMs} ms of a ${SECONDS}s wrk run ...`,
  );
  const run = runWrk(`${kb.url}/`, { threads: THREADS, connections: CONNECTIONS, seconds: SECONDS });
  await Bun.sleep(killAfterMs);
  await stop(extra[0]!.proc, 'SIGKILL');
  const killR = await run;
  const pools = (await (await fetch(`${kb.url}/pools`)).json()) as {
    alive: unknown[];
    disconnected: unknown[];
  };
  const metrics = await (await fetch(`${kb.url}/metrics`)).text();
  const retries = [...metrics.matchAll(/^balancer_retries_total\{[^}]*\} (\d+)/gm)].reduce(
    (a, m) => a + Number(m[1]),
    0,
  );
  await stop(kb.proc);
  const killFailed = killR.non2xx + Object.values(killR.socketErrors).reduce((a, b) => a + b, 0);
  console.log(
    `backend killed: ${killR.requests} requests, ${killFailed} failed (non-2xx ${killR.non2xx}, socket errors ${JSON.stringify(killR.socketErrors)}), ` +
      `${retries} retried, pools after: ${pools.alive.length} alive / ${pools.disconnected.length} disconnected`,
  );

  const rr = rows.find((x) => x.name === 'zonescale round-robin')?.r as WrkResult;
  const results = {
    when: new Date().toISOString(),
    setup: {
      wrk: { threads: THREADS, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS },
      rounds: ROUNDS,
      figures: 'median over the rounds (each figure separately); per-round figures under throughput.*.rounds',
      haproxy: 'nbthread 1, http-reuse always, option forwardfor, X-Forwarded-Proto/-Host set',
      nginx: 'worker_processes 1, upstream keepalive 256, Host passed, X-Forwarded-For/-Proto/-Host set',
      balancer: 'one Bun process',
      cores: navigator.hardwareConcurrency,
    },
    throughput: Object.fromEntries(
      rows.map(({ name, r, rounds }) => [
        name,
        {
          rounds: rounds.map((x) => ({
            rps: Math.round(x.rps),
            p50Ms: x.p50Ms,
            p99Ms: x.p99Ms,
            cpuUsPerReq: Math.round(x.cpuUsPerReq * 10) / 10,
          })),
          rps: Math.round(r.rps),
          p50Ms: r.p50Ms,
          p99Ms: r.p99Ms,
          cpuUsPerReq: Math.round(r.cpuUsPerReq * 10) / 10,
          cpuVsHaproxy: ratio(r.cpuUsPerReq, base.cpuUsPerReq),
          rpsVsHaproxy: ratio(r.rps, base.rps),
          p50VsHaproxy: ratio(r.p50Ms, base.p50Ms),
          p99VsHaproxy: ratio(r.p99Ms, base.p99Ms),
        },
      ]),
    ),
    manyConnections: {
      connections: MANY_CONNECTIONS,
      seconds: MANY_SECONDS,
      rps: Math.round(manyR.rps),
      p99Ms: manyR.p99Ms,
      socketErrors: manyR.socketErrors,
      non2xx: manyR.non2xx,
    },
    backendKilled: {
      requests: killR.requests,
      failed: killFailed,
      non2xx: killR.non2xx,
      socketErrors: killR.socketErrors,
      retries,
    },
    targets: {
      roundRobinRpsVsHaproxy: { value: ratio(rr.rps, base.rps), target: '>= 1.0', met: rr.rps >= base.rps },
      roundRobinP99VsHaproxy: {
        value: ratio(rr.p99Ms, base.p99Ms),
        target: '<= 1.2',
        met: rr.p99Ms <= 1.2 * base.p99Ms,
      },
      manyConnectionsZeroSocketErrors: { value: manyErrors, met: manyErrors === 0 },
      backendKilledZeroFailures: { value: killFailed, met: killFailed === 0 },
    },
  };
  writeFileSync(join(ROOT, 'bench', 'results', 'balancer.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote bench/results/balancer.json`);
  console.log(
    `round-robin throughput vs HAProxy: ${ratio(rr.rps, base.rps)}x (median of ${ROUNDS}: ${Math.round(rr.rps)} vs ${Math.round(base.rps)} req/s)`,
  );
}

try {
  await main();
} finally {
  cleanup();
}

/**
 * (f) Slow start, the reaction bench's sixth figure (`bun bench/reaction/run.ts slow-start`, or this
 * file; `REPS=3` by default): the p99 latency of the first 10 s after a scale-out with
 * `--slow-start-ms 10000` against slow start off. Each repetition starts a zone balancer
 * (round-robin, the default strategy) in front of one app server, sends an open loop of
 * `GET /work?ms=10` (real CPU) at 30 req/s for 3 s, steps it to 70 req/s (about 0.7 of a core on
 * the one server, so requests queue) as a scale-out would be triggered, then does what the leader
 * does on scale-out: starts a fresh app server, waits for its health check, and adds it to the
 * balancer (`PUT /servers`). The figure is the p99 (and p50) of the requests sent in the 10 s after
 * the add. Off and on alternate, each with fresh processes. Peers: HAProxy `slowstart`, Envoy
 * `slow_start_config` (same linear ramp). Writes `bench/results/slow-start.json`; the last line holds
 * the figures. Stops every process it started, also on failure.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../server/dev/cluster.ts';
import { summary } from '../support/cluster-probe.ts';
import { openLoop, quantile } from '../support/load-loops.ts';

const REPS = Number(process.env.REPS ?? 3);
const SLOW_START_MS = 10_000;
const AFTER_MS = 10_000;
const WORK_MS = 10;
const RATES = { warm: 30, burst: 70 };
const TOKEN = 'slow-start-bench-token-0123456789abcdef';
/** What the figure is compared with. */
const PEERS = {
  haproxy:
    'HAProxy `slowstart <ms>`: a server coming up gets a weight ramping linearly from ~0 to full over the window (off by default)',
  envoy:
    'Envoy `slow_start_config`: slow_start_window with aggression 1.0 (linear) and min_weight_percent 10 %, for round-robin and least-request',
};

function freePort(): number {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
  const port = s.port as number;
  s.stop(true);
  return port;
}

async function waitUp(url: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await fetch(`${url}/health_check`, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await Bun.sleep(50);
  }
  throw new Error(`${url} never answered its health check`);
}

/** One repetition: the latencies (ms) of the requests sent in the 10 s after the new server joined. */
async function once(slowStartMs: number, dataDir: string): Promise<number[]> {
  const children: ReturnType<typeof Bun.spawn>[] = [];
  const spawn = (args: string[]) =>
    children.push(
      Bun.spawn(['bun', 'server/main.ts', ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, ZONESCALE_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
        stdout: 'ignore',
        stderr: 'inherit',
      }),
    );
  const app = (id: string, port: number) =>
    spawn([
      'app',
      ...['--id', id, '--zone', 'zone1', '--port', String(port), '--scenario-mode', 'simulate'],
      ...['--collector', 'http://127.0.0.1:1', '--data-dir', dataDir, '--cluster', 'slow-start-bench'],
    ]);
  const [pA, pB, pBal] = [freePort(), freePort(), freePort()];
  const [A, B, BAL] = [pA, pB, pBal].map((p) => `http://127.0.0.1:${p}`) as [string, string, string];
  try {
    app('zone1-app-1', pA);
    spawn([
      'balancer',
      ...['--zone', 'zone1', '--port', String(pBal), '--servers', A, '--slow-start-ms', String(slowStartMs)],
      ...['--check-interval-ms', '1000', '--activation-queue', '0', '--data-dir', dataDir],
    ]);
    await Promise.all([waitUp(A), waitUp(BAL)]);
    const loop = openLoop(`${BAL}/work?ms=${WORK_MS}`, RATES.warm, { maxMs: 30_000 });
    await Bun.sleep(3_000);
    loop.setRate(RATES.burst);
    app('zone1-app-2', pB);
    await waitUp(B);
    const add = await fetch(`${BAL}/servers`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ add: [B] }),
    });
    if (add.status !== 200) throw new Error(`PUT /servers answered ${add.status}`);
    const joined = Date.now();
    await Bun.sleep(AFTER_MS);
    await loop.stop();
    const failed = loop.done.filter((t) => t.status !== 200).length;
    if (failed > 0) console.log(`    ${failed} requests failed`);
    return loop.done.filter((t) => t.sentAt >= joined && t.sentAt < joined + AFTER_MS).map((t) => t.ms);
  } finally {
    for (const c of children) c.kill();
    await Promise.all(children.map((c) => c.exited));
  }
}

/** Runs the slow-start case and writes its figure. */
export async function slowStart(): Promise<void> {
  console.log(
    `slow-start bench: ${REPS} repetitions each, ${RATES.warm} → ${RATES.burst} req/s of /work?ms=${WORK_MS}, a server added; p99 of the ${AFTER_MS / 1_000} s after`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-slow-start-bench-'));
  const p99 = { off: [] as number[], on: [] as number[] };
  const p50 = { off: [] as number[], on: [] as number[] };
  try {
    for (let i = 0; i < REPS; i++) {
      for (const mode of ['off', 'on'] as const) {
        const ms = await once(mode === 'on' ? SLOW_START_MS : 0, dataDir);
        p99[mode].push(quantile(ms, 0.99) ?? Number.NaN);
        p50[mode].push(quantile(ms, 0.5) ?? Number.NaN);
        console.log(
          `  (f) slow start ${mode}: p99 ${p99[mode].at(-1)?.toFixed(0)} ms, p50 ${p50[mode].at(-1)?.toFixed(0)} ms over ${ms.length} requests`,
        );
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const fig = (m: 'off' | 'on') => ({
    p99: summary(p99[m]),
    p50: summary(p50[m]),
    p99Ms: p99[m],
    p50Ms: p50[m],
  });
  const figures = { off: fig('off'), on: fig('on') };
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, 'bench', 'results', 'slow-start.json'),
    `${JSON.stringify({ date: new Date().toISOString(), reps: REPS, slowStartMs: SLOW_START_MS, workMs: WORK_MS, rates: RATES, afterMs: AFTER_MS, strategy: 'round-robin', figures, peers: PEERS }, null, 2)}\n`,
  );
  console.log(`  peers: ${PEERS.haproxy}; ${PEERS.envoy}`);
  const part = (m: 'off' | 'on') =>
    `${m} p99 ${figures[m].p99.median?.toFixed(0)} ms median / ${figures[m].p99.max?.toFixed(0)} ms max (p50 ${figures[m].p50.median?.toFixed(0)} ms)`;
  console.log(
    `slow start (f) first ${AFTER_MS / 1_000} s after a scale-out, --slow-start-ms ${SLOW_START_MS}: ${part('on')} | ${part('off')}`,
  );
}

if (import.meta.main) await slowStart();

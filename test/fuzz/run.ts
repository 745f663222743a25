/**
 * The fuzz suite (issue 11): starts a real cluster on embedded defaults on 127.0.0.1 (the
 * `fuzz-test` port window, a throwaway data directory), then runs Schemathesis against every role's
 * `/openapi.json` — collector, gateway, a zone balancer, an app server, a follower monitor and the
 * leader — first WITHOUT the cluster token, then WITH it. Passes: 0 5xx and 0 schema violations
 * (see `schemathesis.ts` for the checks), the control-plane snapshot (`snapshot.ts`) unchanged
 * after each of the runs without the token, and the cluster healthy again after the runs with it.
 *
 * The run with the token changes the cluster on purpose (it adds and drains servers, moves the
 * balancers' leader address, reports servers dead, sets scenarios, elects). It is made safe by
 * `hooks.py` (URLs aimed at a dead loopback port of this suite's window, terms no higher than the
 * stored one, load runs ≤ 2 req/s for ≤ 1 s), by running last, against the leader last, and by
 * the cluster being thrown away afterwards (the same hooks guard the run without the token, in case an
 * auth check is broken). The cluster runs with `--max-replicas 1` and a 2.5 s
 * balancer health-check timeout so the fuzzer's own user traffic (`GET /work?ms=1000` blocks the
 * app for 1 s) neither scales a zone nor fails a check: only a control call can change the snapshot.
 * `GET /stream` (the app's endless SSE) is not called.
 *
 * Usage: bun test/fuzz/run.ts --st <path to st> [--max-examples 25] [--seed N] [--free-terms]
 * Prints each pass's Schemathesis summary and a closing line `fuzz: N passed, N failed, N skipped`
 * (a test is one operation of one pass, plus the hooks' self-test and the two state checks); exits 1
 * on any failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Cluster, clusterReady, startCluster } from '../../server/dev/cluster.ts';
import { clusterLayout, testBasePort } from '../../server/dev/layout.ts';
import { devBalancerArgs } from '../../server/dev/timings.ts';
import type { ClusterState } from '../../server/shared/types.ts';
import { type FuzzPass, runPass } from './schemathesis.ts';
import { type ControlSnapshot, diffSnapshots, takeSnapshot } from './snapshot.ts';

const { values: flags } = parseArgs({
  options: {
    st: { type: 'string' },
    'max-examples': { type: 'string', default: '25' },
    seed: { type: 'string' },
    /** Send generated terms as they are (no cap at the stored term); see the report in the README. */
    'free-terms': { type: 'boolean', default: false },
  },
});
if (!flags.st) {
  console.error(
    'usage: bun test/fuzz/run.ts --st <path to schemathesis st> [--max-examples N] [--seed N] [--free-terms]',
  );
  process.exit(2);
}
const st = resolve(flags.st);
const maxExamples = Number(flags['max-examples']);

/** The ports of this suite's window that no cluster of the window ever binds (see `clusterLayout`). */
function deadPortRange(): { first: number; count: number } {
  const highestBase = testBasePort('fuzz-test', () => 0.999);
  return { first: clusterLayout(highestBase).appPorts[1] + 1, count: 100 };
}

interface Check {
  name: string;
  ok: boolean;
  detail: string[];
}

async function targets(cluster: Cluster, s: ClusterState) {
  const leader = s.leader!;
  const follower = cluster.monitors.find((m) => m.id !== leader.id)!;
  const zone = s.zones.find((z) => z.balancer && z.servers.length > 0)!;
  return [
    { role: 'collector', url: cluster.collectorUrl },
    { role: 'gateway', url: cluster.gatewayUrl },
    { role: 'balancer', url: zone.balancer!.url },
    { role: 'app', url: zone.servers[0]!.url },
    { role: 'monitor (follower)', url: follower.url },
    { role: 'monitor (leader)', url: leader.url },
  ];
}

async function main(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-fuzz-'));
  const workDir = join(dataDir, 'schemathesis');
  mkdirSync(workDir);
  const token = randomBytes(24).toString('hex');
  const cluster = await startCluster({
    basePort: testBasePort('fuzz-test'),
    dataDir,
    cluster: 'fuzz',
    token,
    scenarioMode: 'simulate',
    logLevel: 'warn',
    monitorArgs: ['--max-replicas=1', `--balancer-args=${devBalancerArgs()} --check-timeout-ms 2500`],
  });
  const stop = async () => {
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.on(sig, () => {
      void stop().then(() => process.exit(130));
    });
  const passes: FuzzPass[] = [];
  const checks: Check[] = [];
  try {
    const started = Date.now();
    await cluster.waitFor('the cluster to be ready', (s) => clusterReady(s, 3), 90_000);
    const s = await cluster.waitFor(
      'monitor 3 to lead',
      (x) => x.leader?.id === 3 && clusterReady(x, 3),
      30_000,
    );
    console.log(`cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s (term ${s.leader!.term})`);
    const roles = await targets(cluster, s);
    const monitorUrls = cluster.monitors.map((m) => m.url);
    const pass = (role: string, url: string, mode: string, tok?: string, env?: Record<string, string>) =>
      runPass({
        st,
        label: `${role} ${mode}`,
        url,
        token: tok,
        maxExamples,
        excludePaths: role === 'app' ? ['/stream'] : [],
        workDir,
        env: { PYTHONPATH: import.meta.dir, SCHEMATHESIS_HOOKS: 'hooks', ...env },
        timeoutMs: 240_000,
        seed: flags.seed,
      }).then((p) => {
        report(p);
        passes.push(p);
      });

    const before = await settledSnapshot(monitorUrls, cluster.gatewayUrl);
    // The same rewrites guard both runs: without the token every call should be refused anyway,
    // but if one is not (a broken auth check), it still must not reach beyond loopback.
    const dead = deadPortRange();
    const env = {
      ZONESCALE_FUZZ_SAFE_PORT: String(dead.first),
      ZONESCALE_FUZZ_SAFE_PORTS: String(dead.count),
      ...(flags['free-terms']
        ? {}
        : { ZONESCALE_FUZZ_MAX_TERM: String(before.leader?.term ?? s.leader!.term) }),
    };
    const hooks = await hooksSelfTest(env);
    checks.push(hooks);
    if (!hooks.ok) throw new Error('the hooks failed their self-test: no pass was run');

    // Read after every pass: the leader heals some changes within a period or two (it re-pushes
    // servers, the balancer drops unreachable ones), which a single reading at the end could miss.
    const diff: string[] = [];
    for (const r of roles) {
      await pass(r.role, r.url, 'without token', undefined, env);
      const d = diffSnapshots(before, await takeSnapshot(monitorUrls, cluster.gatewayUrl));
      diff.push(...d.map((x) => `after ${r.role}: ${x}`));
    }
    checks.push({
      name: 'state unchanged after the runs without the token',
      ok: diff.length === 0,
      detail: diff,
    });

    for (const r of roles) await pass(r.role, r.url, 'with token', token, env);
    checks.push(await recovers(cluster));
  } catch (err) {
    checks.push({ name: 'the fuzz run completes', ok: false, detail: [String((err as Error).stack ?? err)] });
  } finally {
    await stop();
  }
  for (const c of checks)
    console.log(`${c.ok ? '✓' : '✗'} ${c.name}${c.detail.map((d) => `\n    ${d}`).join('')}`);
  const passed = passes.reduce((n, p) => n + p.passed, 0) + checks.filter((c) => c.ok).length;
  const failed = passes.reduce((n, p) => n + p.failed, 0) + checks.filter((c) => !c.ok).length;
  const skipped = passes.reduce((n, p) => n + p.skipped, 0);
  console.log(`fuzz: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed === 0 ? 0 : 1;
}

function report(p: FuzzPass): void {
  console.log(
    `== schemathesis: ${p.label}: ${p.passed} passed, ${p.failed} failed, ${p.skipped} skipped operations`,
  );
  for (const l of p.summary) console.log(`   ${l}`);
  if (p.failed > 0) {
    console.log(`   failed: ${p.failedOperations.join(', ')}`);
    console.log(p.output.replace(/^/gm, '   | '));
  }
}

/** `hooks.self_test()` in the venv's Python: the passes run only when it passes. */
async function hooksSelfTest(env: Record<string, string>): Promise<Check> {
  const name = 'hooks keep every pass on dead loopback ports, at the stored term, at ≤ 2 req/s';
  const python = join(dirname(st), 'python');
  const proc = Bun.spawn([python, '-c', 'import hooks; hooks.self_test()'], {
    cwd: import.meta.dir,
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const err = await new Response(proc.stderr).text();
  return { name, ok: (await proc.exited) === 0, detail: err.trim() ? [err.trim()] : [] };
}

/**
 * A snapshot once the young cluster has settled: two readings 2 s apart agree (the first samples,
 * reconcile and election events arrive in the first seconds). Gives up after 30 s with the last one.
 */
async function settledSnapshot(monitorUrls: string[], gatewayUrl: string): Promise<ControlSnapshot> {
  const deadline = Date.now() + 30_000;
  let prev = await takeSnapshot(monitorUrls, gatewayUrl);
  for (;;) {
    await Bun.sleep(2_000);
    const next = await takeSnapshot(monitorUrls, gatewayUrl);
    if (diffSnapshots(prev, next).length === 0 || Date.now() > deadline) return next;
    prev = next;
  }
}

/** After the runs with the token: a leader, every zone served, every monitor answering, within 60 s. */
async function recovers(cluster: Cluster): Promise<Check> {
  const name =
    'cluster healthy again after the runs with the token (every monitor answers, a leader, every zone served)';
  const deadline = Date.now() + 60_000;
  let last = '';
  while (Date.now() < deadline) {
    const answers = await Promise.all(
      cluster.monitors.map((m) =>
        fetch(`${m.url}/health_check`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    const s = await cluster.state();
    if (answers.every(Boolean) && s && clusterReady(s, 3)) return { name, ok: true, detail: [] };
    last = `monitors answering: ${answers.join(',')}; state: ${JSON.stringify(s)?.slice(0, 800)}`;
    await Bun.sleep(500);
  }
  return { name, ok: false, detail: [last] };
}

process.exit(await main());

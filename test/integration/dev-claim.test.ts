/**
 * A second `bun run dev` beside a running cluster (issue 12): on the same data directory, on the
 * same ports, or both, it exits 2 with one line naming who holds them and how to run another
 * cluster (`--base-port`, `--data-dir`), before it starts or stops anything, and every process of
 * the first cluster (monitors, gateway, balancers, app servers) is still alive and answering.
 * The first cluster is started as the other integration suites start theirs (`startCluster`), in
 * the cluster suite's port window (the files of one `bun test` run one after another).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRuntime } from '../../server/adapters/select.ts';
import { type Cluster, clusterReady, REPO_ROOT, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import { alive } from '../support/pids.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-claim-'));
const otherDir = mkdtempSync(join(tmpdir(), 'zonescale-claim-other-'));
const basePort = testBasePort('cluster-test');
let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({
    basePort,
    dataDir,
    cluster: 'claim',
    token: randomBytes(24).toString('hex'),
    scenarioMode: 'simulate',
    logLevel: 'warn',
  });
  await cluster.waitFor('the first cluster to be ready', (s) => clusterReady(s, 3), 90_000);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(otherDir, { recursive: true, force: true });
}, 60_000);

/** Every pid of the first cluster: monitors, gateway, and the balancers and apps its runtime holds. */
async function firstClusterPids(): Promise<number[]> {
  const containers = await openRuntime({ runtime: 'process', dataDir, cluster: 'claim' }).list();
  expect(containers.filter((c) => c.running).length).toBeGreaterThanOrEqual(6);
  return [
    ...cluster.monitors.map((m) => m.proc!.pid),
    cluster.gateway.pid,
    ...containers.map((c) => Number(c.runtimeId)),
  ];
}

describe('a second bun run dev beside a running cluster', () => {
  test.each([
    [
      'the same data directory and ports',
      () => [String(basePort), dataDir],
      /data directory .* is in use by cluster "claim" \(pid \d+, base port \d+/,
    ],
    [
      'the same data directory, other ports',
      () => [String(basePort + 100), dataDir],
      /data directory .* is in use by cluster "claim"/,
    ],
    [
      'the same ports, another data directory',
      () => [String(basePort), otherDir],
      new RegExp(`port ${basePort} \\(the collector .*\\) is in use by`),
    ],
  ] as [string, () => [string, string], RegExp][])(
    'on %s exits 2 saying who holds them, and the first cluster is unaffected',
    async (_case, where, names) => {
      const before = await firstClusterPids();
      const [port, dir] = where();
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith('ZONESCALE_')),
      );
      const t0 = Date.now();
      const second = Bun.spawn(
        ['bun', join(REPO_ROOT, 'server/dev.ts'), '--base-port', port, '--data-dir', dir, '--simulate'],
        {
          cwd: REPO_ROOT,
          env,
          stdin: 'ignore',
          stdout: 'pipe',
          stderr: 'pipe',
        },
      );
      const timer = setTimeout(() => second.kill('SIGINT'), 30_000);
      const [code, stdout, stderr] = await Promise.all([
        second.exited,
        new Response(second.stdout).text(),
        new Response(second.stderr).text(),
      ]);
      clearTimeout(timer);
      expect(code).toBe(2);
      expect(Date.now() - t0).toBeLessThan(15_000);
      const lines = stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(names);
      expect(lines[0]).toMatch(/--base-port \d+ --data-dir \S+/);
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(stdout).not.toContain('zonescale is up');
      // Nothing of the first cluster was stopped: every pid lives, and it still answers.
      await Bun.sleep(1_000);
      for (const pid of before) expect(alive(pid)).toBe(true);
      const s = await cluster.waitFor('the first cluster still ready', (st) => clusterReady(st, 3), 5_000);
      for (const z of s.zones) {
        const res = await fetch(`${z.balancer!.url}/health_check`, { signal: AbortSignal.timeout(2_000) });
        expect(res.status).toBe(200);
      }
      expect(await firstClusterPids()).toEqual(before);
    },
    60_000,
  );
});

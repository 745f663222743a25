/**
 * A service zonescale did not write, on the dashboard: this spec starts a cluster of its own (one
 * monitor, zone1 only, the host agent on) running the Python example
 * (`examples/python-cpu/server.py`, `--health-path /healthz`) with the target policy on requests
 * per server (`--policy target --metrics rps=6`, at most 4 servers: 16 req/s want 3, so the scale-out is not capped), in the `fencing-test` port
 * window: that window's only suite (`test/integration/monitor-fencing.test.ts`) is a `bun test`
 * suite, and `scripts/test.sh` never runs bun test and Playwright at the same time. Bounded load
 * (`bun run load`, 16 req/s for 40 s to zone1's balancer on 127.0.0.1) makes the zone scale out on
 * `rps`; the page shows each server's CPU and memory (measured from outside by the agent, "ext"),
 * req/s, in-flight, concurrency and p95 (the balancer's), and the AboveTarget event naming rps.
 * The cluster and the load are stopped in afterAll, whatever happened.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { testBasePort } from '../server/dev/layout.ts';
import type { ClusterState } from '../server/shared/types.ts';
import type { ClusterInfo } from './cluster-info.ts';
import { shot } from './cluster-info.ts';
import type { E2eClusterOptions } from './cluster-process.ts';
import { type SpawnedCluster, spawnCluster } from './spawn-cluster.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let cluster: SpawnedCluster | null = null;
let info: ClusterInfo;
let load: ChildProcess | null = null;

test.describe.configure({ timeout: 240_000 });

test.beforeAll(async () => {
  test.setTimeout(150_000);
  const options: E2eClusterOptions = {
    window: 'fencing-test',
    cluster: 'e2e-own-service',
    monitors: 1,
    zones: 1,
    agent: true,
    monitorArgs: [
      '--service=python3 examples/python-cpu/server.py',
      '--health-path=/healthz',
      '--zones=zone1',
      '--policy=target',
      '--metrics=rps=6',
      '--max-replicas=4',
    ],
  };
  cluster = await spawnCluster('cluster-process.ts', testBasePort('fencing-test'), 120_000, [
    JSON.stringify(options),
  ]);
  info = JSON.parse(cluster.info);
});

test.afterAll(async () => {
  if (load && load.exitCode === null && load.signalCode === null) {
    const exited = new Promise((r) => load!.once('exit', r));
    load.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  }
  await cluster?.stop();
});

test('the dashboard shows a foreign service’s servers with CPU, memory, req/s, in-flight and p95, and a scale-out on rps', async ({
  page,
  request,
}) => {
  const monitor = info.monitors[0]!.url;
  const state = async () => (await (await request.get(`${monitor}/state`)).json()) as ClusterState;
  const s0 = await state();
  expect(s0.zones.map((z) => z.zone)).toEqual(['zone1']);
  expect(s0.zones[0]!.policy ?? s0.policy).toMatchObject({
    kind: 'target',
    metrics: [{ name: 'rps', target: 6 }],
  });

  await page.goto(`${monitor}/`);
  await expect(page.getByTestId('zone-policy-zone1')).toContainText('rps');
  load = spawn(
    'bun',
    [
      'run',
      'load',
      '--rate',
      '16',
      '--duration',
      '40',
      '--zone',
      'zone1',
      '--path',
      '/work?ms=5',
      '--monitor',
      monitor,
    ],
    { cwd: repo, stdio: 'ignore', env: { ...process.env, ZONESCALE_LOG_LEVEL: 'warn' } },
  );

  await expect
    .poll(async () => (await state()).zones[0]!.replicas, { timeout: 60_000, intervals: [500] })
    .toBeGreaterThanOrEqual(2);
  // Each server row: the agent's CPU and memory (from outside: "ext"), the balancer's req/s,
  // in-flight, concurrency and p95 of a server that is taking requests.
  const rows = page.locator('[data-testid^="server-metrics-"]');
  // One second's figures of one row, read at once (the next second's may differ).
  const full = /\d+ MB ext · [1-9]\d*\.\d req\/s · \d+\.\d\d conc · p95 \d+\.\d ms/;
  await expect
    .poll(async () => (await rows.allTextContents()).some((t) => full.test(t)), {
      timeout: 20_000,
      intervals: [250],
    })
    .toBe(true);
  // Every server row, read at once: a CPU % and a memory figure (the agent's) and its in-flight count.
  const everyRow = async () => {
    const all = await page.locator('li[data-testid^="server-"]').allTextContents();
    return (
      all.length >= 2 &&
      all.every((t) => /\d+(\.\d)? ?%/.test(t) && /[1-9]\d* MB ext/.test(t) && /\d+ in flight/.test(t))
    );
  };
  await expect.poll(everyRow, { timeout: 15_000, intervals: [250] }).toBe(true);
  // The zone scales out, and the reason the leader gives is the request rate per server (the
  // replica count can show the new server a moment before its scale-up event is written).
  const scaleOuts = async () =>
    (await state()).events.filter((e) => e.zone === 'zone1' && e.kind === 'scale-up' && (e.to ?? 0) >= 2);
  await expect
    .poll(async () => (await scaleOuts()).length, { timeout: 60_000, intervals: [500] })
    .toBeGreaterThan(0);
  for (const e of await scaleOuts()) {
    expect(e.reason).toBe('AboveTarget');
    expect(e.message).toMatch(/average rps \d+\.\d req\/s over \d+ ready servers, target 6 req\/s/);
  }
  await expect(
    page
      .getByTestId('event-row')
      .filter({ hasText: 'AboveTarget' })
      .filter({ hasText: 'average rps' })
      .first(),
  ).toBeVisible();
  await expect(page.getByTestId('zone-replicas-zone1')).toHaveText(/^[234]$/);

  await page.screenshot({ path: shot('40-dashboard-own-service-rps') });
});

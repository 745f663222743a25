/**
 * Runs a real zonescale cluster for the Playwright suite: started by `global-setup.ts` (Playwright
 * runs under Node; the cluster needs Bun), it writes the cluster's URLs and token to the file named
 * by argv[2] once every zone is ready, and stops every process it started on SIGTERM/SIGINT.
 * Usage: bun e2e/cluster-process.ts <info.json> <basePort> <dataDir> [options.json]
 * `options.json` (optional, a JSON string, `E2eClusterOptions`) lets a spec start a cluster of its
 * own beside the shared one: its port window, monitor count, zones, extra monitor flags (a user's
 * service, a policy) and whether the host agent runs.
 * App servers report the scenario curves (`--scenario-mode simulate`; real `/work` load is still
 * measured when no scenario runs): the suite checks the control loop and the pages, and on a machine
 * shared with other jobs a burned High CPU cannot reach the 60 % threshold. The burner has its own
 * test (`server/app/start.test.ts`); `E2E_SCENARIO_MODE=burn` runs the suite with it.
 */

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { clusterReady } from '../server/dev/cluster.ts';
import type { PORT_WINDOWS } from '../server/dev/layout.ts';
import { startInWindow, stopOnSignals } from './start-in-window.ts';

/** What a spec may set for a cluster of its own (every field optional; defaults: the shared e2e cluster). */
export interface E2eClusterOptions {
  /** Port window (`layout.ts`); only one whose suites never run beside Playwright. Default `e2e`. */
  window?: (typeof PORT_WINDOWS)[number];
  /** Cluster id (default `e2e`). */
  cluster?: string;
  monitors?: number;
  /** Zones the cluster waits for before it is ready (default 3; pass `--zones` in monitorArgs to have fewer). */
  zones?: number;
  monitorArgs?: string[];
  /** Start the host agent (default: only with `E2E_SCENARIO_MODE=burn`). */
  agent?: boolean;
}

const [infoPath, basePort, dataDir, optionsJson] = process.argv.slice(2);
if (!infoPath || !basePort || !dataDir) {
  console.error('usage: bun e2e/cluster-process.ts <info.json> <basePort> <dataDir> [options.json]');
  process.exit(2);
}
const options: E2eClusterOptions = optionsJson ? JSON.parse(optionsJson) : {};
const token = randomBytes(24).toString('hex');
const cluster = await startInWindow(options.window ?? 'e2e', Number(basePort), 'e2e', {
  dataDir,
  cluster: options.cluster ?? 'e2e',
  token,
  logLevel: 'warn',
  scenarioMode: process.env.E2E_SCENARIO_MODE === 'burn' ? 'burn' : 'simulate',
  monitors: options.monitors,
  monitorArgs: options.monitorArgs,
  agent: options.agent,
});
stopOnSignals(cluster);
try {
  await cluster.waitFor('the cluster to be ready', (s) => clusterReady(s, options.zones ?? 3), 90_000);
} catch (err) {
  console.error(String(err));
  await cluster.stop();
  process.exit(1);
}
writeFileSync(
  infoPath,
  JSON.stringify({
    token,
    monitors: cluster.monitors.map((m) => ({ id: m.id, url: m.url, pid: m.proc?.pid })),
    gateway: { url: cluster.gatewayUrl, pid: cluster.gateway.pid },
    dataDir,
  }),
);
console.log('cluster ready');

/**
 * Runs a real zonescale cluster for the Playwright suite: started by `global-setup.ts` (Playwright
 * runs under Node; the cluster needs Bun), it writes the cluster's URLs and token to the file named
 * by argv[2] once every zone is ready, and stops every process it started on SIGTERM/SIGINT.
 * Usage: bun e2e/cluster-process.ts <info.json> <basePort> <dataDir>
 * App servers report the scenario curves (`--scenario-mode simulate`; real `/work` load is still
 * measured when no scenario runs): the suite checks the control loop and the pages, and on a machine
 * shared with other jobs a burned High CPU cannot reach the 60 % threshold. The burner has its own
 * test (`server/app/start.test.ts`); `E2E_SCENARIO_MODE=burn` runs the suite with it.
 */

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { clusterReady, startCluster } from '../server/dev/cluster.ts';

const [infoPath, basePort, dataDir] = process.argv.slice(2);
if (!infoPath || !basePort || !dataDir) {
  console.error('usage: bun e2e/cluster-process.ts <info.json> <basePort> <dataDir>');
  process.exit(2);
}
const token = randomBytes(24).toString('hex');
const cluster = await startCluster({
  basePort: Number(basePort),
  dataDir,
  cluster: 'e2e',
  token,
  logLevel: 'warn',
  scenarioMode: process.env.E2E_SCENARIO_MODE === 'burn' ? 'burn' : 'simulate',
});
const stop = async () => {
  await cluster.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
try {
  await cluster.waitFor('the cluster to be ready', (s) => clusterReady(s, 3), 90_000);
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

/**
 * A small cluster of its own for `dashboard-scale-to-zero.spec.ts` (the shared e2e cluster runs the
 * threshold policy at one server a zone): one monitor, one zone `zone1` on the process runtime with
 * `--policy concurrency --min-replicas 0` and short KPA timings (4 s stable window, 2 s panic window,
 * 2 s scale-to-zero grace, 1 s period), simulated scenarios. It listens in the `reaction-bench` port
 * window (the windows below the ephemeral range are all taken; the reaction bench never runs with
 * the Playwright suite), trying the next base port of that window when another run holds one.
 * Writes `{token, monitor, balancer}` to argv[2] once zone1's balancer is up at zero and knows its
 * leader; stops every process it started on SIGTERM/SIGINT.
 * Usage: bun e2e/kpa-cluster-process.ts <info.json> <basePort> <dataDir>
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { ClusterBusy } from '../server/dev/claim.ts';
import { type Cluster, startCluster } from '../server/dev/cluster.ts';
import { testBasePort } from '../server/dev/layout.ts';
import type { ClusterState } from '../server/shared/types.ts';

const [infoPath, basePort, dataDir] = process.argv.slice(2);
if (!infoPath || !basePort || !dataDir) {
  console.error('usage: bun e2e/kpa-cluster-process.ts <info.json> <basePort> <dataDir>');
  process.exit(2);
}
const token = randomBytes(24).toString('hex');
/** The monitor flags: a concurrency zone that may scale to zero, with short windows. */
const KPA_E2E_MONITOR_ARGS = [
  '--zones=zone1',
  '--policy=concurrency',
  '--target-concurrency=10',
  '--min-replicas=0',
  '--stable-window-ms=4000',
  '--panic-window-ms=2000',
  '--scale-to-zero-grace-ms=2000',
  '--period-ms=1000',
];
const first = testBasePort('reaction-bench', () => 0);

async function start(): Promise<Cluster> {
  const k0 = (Number(basePort) - first) / 100;
  for (let k = 0; ; k++) {
    try {
      return await startCluster({
        basePort: first + ((k0 + k) % 8) * 100,
        dataDir,
        cluster: 'e2e-kpa',
        token,
        monitors: 1,
        logLevel: 'warn',
        scenarioMode: 'simulate',
        monitorArgs: KPA_E2E_MONITOR_ARGS,
      });
    } catch (err) {
      if (!(err instanceof ClusterBusy) || k >= 7) throw err;
      console.error(`e2e-kpa: ${err.message.slice(0, 120)}…; trying the next base port of the window`);
    }
  }
}
const cluster = await start();
const stop = async () => {
  await cluster.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
const zone1 = (s: ClusterState) => s.zones.find((z) => z.zone === 'zone1');
try {
  const s = await cluster.waitFor(
    'zone1 balancer up at zero',
    (st) => st.leader !== null && zone1(st)?.balancer?.status === 'up' && zone1(st)?.replicas === 0,
    90_000,
  );
  const balancer = zone1(s)!.balancer!.url;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const m = await fetch(`${balancer}/monitor`, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.json() as Promise<{ address: string }>)
      .catch(() => ({ address: '' }));
    if (m.address !== '') break;
    if (Date.now() > deadline) throw new Error("zone1's balancer never learnt its leader");
    await Bun.sleep(200);
  }
  writeFileSync(infoPath, JSON.stringify({ token, monitor: s.leader!.url, balancer }));
  console.log('kpa cluster ready');
} catch (err) {
  console.error(String(err));
  await cluster.stop();
  process.exit(1);
}

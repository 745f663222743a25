/**
 * What the Bun-side cluster scripts of the Playwright suite (`cluster-process.ts`,
 * `kpa-cluster-process.ts`) share: start a cluster in a port window, moving to the window's next
 * base port when another run holds one (8 base ports a window), and stop it on SIGTERM/SIGINT.
 */
import { ClusterBusy } from '../server/dev/claim.ts';
import { type Cluster, type ClusterOptions, startCluster } from '../server/dev/cluster.ts';
import { type PORT_WINDOWS, testBasePort } from '../server/dev/layout.ts';

/**
 * Starts `opts` at `basePort` of `window`, else at the next of its base ports (wrapping, 8 tries).
 * `label` prefixes the message printed for a busy base port. @throws ClusterBusy when all 8 are
 * busy; any other start error at once
 */
export async function startInWindow(
  window: (typeof PORT_WINDOWS)[number],
  basePort: number,
  label: string,
  opts: Omit<ClusterOptions, 'basePort'>,
): Promise<Cluster> {
  const first = (basePort - testBasePort(window, () => 0)) / 100;
  for (let k = 0; ; k++) {
    try {
      return await startCluster({ ...opts, basePort: testBasePort(window, () => ((first + k) % 8) / 8) });
    } catch (err) {
      if (!(err instanceof ClusterBusy) || k >= 7) throw err;
      console.error(`${label}: ${err.message.slice(0, 120)}…; trying the next base port of the window`);
    }
  }
}

/** Stops `cluster` and exits 0 on SIGTERM or SIGINT. */
export function stopOnSignals(cluster: Cluster): void {
  const stop = async () => {
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * Playwright global setup: starts a real cluster (`cluster-process.ts`, under Bun) on its own ports
 * and data directory, waits until it is ready, and returns the teardown that stops it. The spec
 * files read the cluster's URLs from `E2E_CLUSTER_INFO`.
 */
import { testBasePort } from '../server/dev/layout.ts';
import { spawnCluster } from './spawn-cluster.ts';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const cluster = await spawnCluster('cluster-process.ts', testBasePort('e2e'));
  process.env.E2E_CLUSTER_INFO = cluster.info;
  return cluster.stop;
}

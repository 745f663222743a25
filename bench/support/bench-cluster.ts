/**
 * One bench pass's cluster: started in a fresh temp directory with a random cluster token, stopped
 * and its directory removed when the pass ends, when it throws, and on Ctrl-C (exit 130). The
 * reaction benches' passes (`bench/reaction/pass.ts`, `cold-start.ts`) run inside it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, type ClusterOptions, startCluster } from '../../server/dev/cluster.ts';

/** What a bench pass chooses of its cluster (the directory and the token are the helper's). */
export type BenchClusterOptions = Omit<ClusterOptions, 'dataDir' | 'token'>;

/**
 * Starts a cluster with `options` in a new directory named `<tmpdir>/<tmpPrefix>XXXXXX`, runs
 * `run(cluster, dataDir)` and returns its result; the cluster is stopped and the directory deleted
 * afterwards in every case. @throws whatever `startCluster` or `run` throws (after the clean-up)
 */
export async function withBenchCluster<T>(
  tmpPrefix: string,
  options: BenchClusterOptions,
  run: (cluster: Cluster, dataDir: string) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), tmpPrefix));
  let cluster: Cluster | null = null;
  const stop = async () => {
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const onSigint = () => void stop().then(() => process.exit(130));
  process.once('SIGINT', onSigint);
  try {
    cluster = await startCluster({ ...options, dataDir, token: randomBytes(24).toString('hex') });
    return await run(cluster, dataDir);
  } finally {
    process.off('SIGINT', onSigint);
    await stop();
  }
}

/**
 * The cluster both service-bench cases run: the Python example (`examples/python-cpu/server.py`,
 * health check `/healthz`) as the user's service, started exactly as
 * `bun run dev -- --service 'python3 examples/python-cpu/server.py' --health-path /healthz` hands it
 * to the monitors (`devService`), on the process runtime, with the host agent, one monitor and the
 * reaction bench's timings (`BENCH_MONITOR_ARGS`, without its demo-app flags), plus the case's own
 * monitor flags and environment (e.g. `KAFKA_BROKERS` for the Kafka metrics bus). Opens the
 * cluster's SQLite metrics store read-side, the store the leader reads. `stop()` stops all it
 * started and removes the temp data directory, also on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteMetricsStore } from '../../server/adapters/sqlite/metrics-store-sqlite.ts';
import { type Cluster, REPO_ROOT, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import { devService } from '../../server/dev/service-args.ts';
import { BENCH_MONITOR_ARGS } from '../support/cluster-probe.ts';

/** The service under test, as `bun run dev` takes it. */
export const PYTHON_SERVICE = { service: 'python3 examples/python-cpu/server.py', healthPath: '/healthz' };

/** The bench timings this bench runs at (the demo app's `--app-args` left out: the service is not the demo app). */
export const SERVICE_BENCH_ARGS = BENCH_MONITOR_ARGS.filter((a) => !a.startsWith('--app-args'));

/** A running service-bench cluster, its metrics store and its stop. */
export interface ServiceCluster {
  cluster: Cluster;
  metrics: SqliteMetricsStore;
  stop(): Promise<void>;
}

/** Starts the Python service in `zones` with `monitorArgs` after the bench timings, and `env` for every role. */
export async function startServiceCluster(opts: {
  name: string;
  zones: string[];
  monitorArgs?: string[];
  env?: Record<string, string>;
}): Promise<ServiceCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), `zonescale-svc-bench-${opts.name}-`));
  const clusterId = `${opts.name}${Date.now().toString(36)}`;
  const { monitorArgs: serviceArgs } = devService(
    { serviceEnv: [], ...PYTHON_SERVICE },
    REPO_ROOT,
    'process',
  );
  let cluster: Cluster | null = null;
  let metrics: SqliteMetricsStore | null = null;
  const stop = async () => {
    process.off('SIGINT', onSigint);
    await metrics?.close();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const onSigint = () => void stop().then(() => process.exit(130));
  process.once('SIGINT', onSigint);
  try {
    cluster = await startCluster({
      basePort: testBasePort('reaction-bench'),
      dataDir,
      cluster: clusterId,
      token: randomBytes(24).toString('hex'),
      monitors: 1,
      agent: true,
      logLevel: 'warn',
      monitorArgs: [
        ...SERVICE_BENCH_ARGS,
        `--zones=${opts.zones.join(',')}`,
        ...serviceArgs,
        ...(opts.monitorArgs ?? []),
      ],
      ...(opts.env ? { env: opts.env } : {}),
    });
    await cluster.waitFor(
      `${opts.zones.length} zone(s) of the Python service serving`,
      (s) =>
        s.leader !== null &&
        s.zones.length === opts.zones.length &&
        s.zones.every(
          (z) =>
            z.balancer?.status === 'up' &&
            z.servers.length > 0 &&
            z.servers.every((v) => v.state === 'alive'),
        ),
      120_000,
    );
    metrics = new SqliteMetricsStore(join(dataDir, clusterId, 'metrics.sqlite'));
    return { cluster, metrics, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Picks each capability's adapter from configuration (design: "chosen by" `REDIS_URL`, `RUNTIME`,
 * `INFLUX_URL`): the real adapter when its setting is given, otherwise the embedded default, which
 * keeps its state under `<dataDir>/<cluster>/` (created here). Adapters are imported lazily so a
 * role only loads the packages it uses.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BadConfig } from '../shared/errors.ts';
import type { MetricsStore } from './metrics-store.ts';
import { ProcessRuntime } from './process/runtime-process.ts';
import type { Registry } from './registry.ts';
import type { ContainerRuntime } from './runtime.ts';

/** `<dataDir>/<cluster>/`, created if missing: the embedded defaults' state directory. */
export function clusterDir(dataDir: string, cluster: string): string {
  const dir = join(dataDir, cluster);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * The registry: SQLite at `<dataDir>/<cluster>/registry.sqlite` when `redisUrl` is empty.
 * @throws BadConfig when `redisUrl` is set (the Redis adapter is not built yet).
 */
export async function openRegistry(cfg: {
  redisUrl: string;
  dataDir: string;
  cluster: string;
}): Promise<Registry> {
  if (cfg.redisUrl)
    throw new BadConfig('Redis adapter not built yet (unset REDIS_URL to use the SQLite registry)');
  const { SqliteRegistry } = await import('./sqlite/registry-sqlite.ts');
  return new SqliteRegistry(join(clusterDir(cfg.dataDir, cfg.cluster), 'registry.sqlite'));
}

/**
 * The container runtime: local processes (`process`) recording under `<dataDir>/<cluster>/`
 * (`containers/<id>.json`, `logs/<id>.log`). @throws BadConfig for `docker` (not built yet).
 */
export function openRuntime(cfg: {
  runtime: 'process' | 'docker';
  dataDir: string;
  cluster: string;
}): ContainerRuntime {
  switch (cfg.runtime) {
    case 'process':
      return new ProcessRuntime({ runDir: clusterDir(cfg.dataDir, cfg.cluster), cluster: cfg.cluster });
    case 'docker':
      throw new BadConfig('Docker runtime adapter not built yet (use RUNTIME=process)');
    default: {
      const never: never = cfg.runtime;
      throw new BadConfig(`unknown runtime ${String(never)}`);
    }
  }
}

/**
 * The metrics store: SQLite at `<dataDir>/<cluster>/metrics.sqlite` when `influxUrl` is empty.
 * @throws BadConfig when `influxUrl` is set (the InfluxDB adapter is not built yet).
 */
export async function openMetricsStore(cfg: {
  influxUrl: string;
  dataDir: string;
  cluster: string;
}): Promise<MetricsStore> {
  if (cfg.influxUrl)
    throw new BadConfig('InfluxDB adapter not built yet (unset INFLUX_URL to use the SQLite metrics store)');
  const { SqliteMetricsStore } = await import('./sqlite/metrics-store-sqlite.ts');
  return new SqliteMetricsStore(join(clusterDir(cfg.dataDir, cfg.cluster), 'metrics.sqlite'));
}

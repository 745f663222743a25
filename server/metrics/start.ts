/**
 * Starts the collector role (the job Telegraf did in the source design): it accepts samples from
 * the metrics bus and writes them to the metrics store, and prunes samples older than
 * `retentionMs`. The store and a pulled bus source are injectable (the seam where Kafka and
 * InfluxDB plug in); by default it is HTTP push on `POST /samples` into the cluster's SQLite file.
 */
import type { MetricsStore } from '../adapters/metrics-store.ts';
import { openSqliteMetricsStore } from '../adapters/sqlite/metrics-store-sqlite.ts';
import type { CollectorConfig } from '../config/roles.ts';
import { BadConfig } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { RoleHandle } from '../shared/role.ts';
import { type CollectorStats, collectorRoutes } from './routes.ts';
import type { SampleSink, SampleSource } from './source.ts';

/** Injected parts; each defaults from the config. */
export interface CollectorDeps {
  /** Defaults to the SQLite store at `<dataDir>/<cluster>/metrics.sqlite`. */
  store?: MetricsStore;
  storeKind?: string;
  /** A pulled bus consumer (Kafka); none by default (HTTP push). */
  source?: SampleSource;
  busKind?: string;
  now?: () => number;
}

/** How often old samples are pruned: a tenth of the retention, between 1 s and 60 s. */
export function pruneIntervalMs(retentionMs: number): number {
  return Math.min(60_000, Math.max(1_000, Math.floor(retentionMs / 10)));
}

/**
 * Starts the collector on `cfg.host:cfg.port` (0 = ephemeral).
 * @throws BadConfig when KAFKA_BROKERS or INFLUX_URL is set but no adapter was injected for it.
 */
export async function startCollector(
  cfg: CollectorConfig,
  log: Logger,
  deps: CollectorDeps = {},
): Promise<RoleHandle> {
  if (cfg.kafkaBrokers.length > 0 && !deps.source) {
    throw new BadConfig(
      'KAFKA_BROKERS is set but this build has no Kafka source for the collector; unset it to use HTTP push',
    );
  }
  if (cfg.influxUrl && !deps.store) {
    throw new BadConfig(
      'INFLUX_URL is set but this build has no InfluxDB store for the collector; unset it to use SQLite',
    );
  }
  const now = deps.now ?? Date.now;
  const store = deps.store ?? openSqliteMetricsStore(cfg.dataDir, cfg.cluster);
  const stats: CollectorStats = { received: 0, lastWriteAt: null };
  const sink: SampleSink = (samples) => store.write(samples);
  const countingSink: SampleSink = async (samples) => {
    await sink(samples);
    stats.received += samples.length;
    if (samples.length > 0) stats.lastWriteAt = now();
  };

  const app = collectorRoutes({
    token: cfg.token,
    sink,
    stats,
    storeKind: deps.storeKind ?? (deps.store ? 'custom' : 'sqlite'),
    busKind: deps.busKind ?? (deps.source ? 'custom' : 'http'),
    now,
    logger: log,
  });
  const server = Bun.serve({ hostname: cfg.host, port: cfg.port, fetch: app.fetch });
  const url = `http://${cfg.host}:${server.port}`;

  await deps.source?.start(countingSink);

  const prune = async () => {
    try {
      await store.prune(now() - cfg.retentionMs);
    } catch (err) {
      log.warn({ err }, 'pruning old samples failed');
    }
  };
  await prune();
  const pruneTimer = setInterval(prune, pruneIntervalMs(cfg.retentionMs));

  log.info(
    { url, retentionMs: cfg.retentionMs, store: deps.store ? 'custom' : 'sqlite' },
    'collector listening',
  );
  let stopped = false;
  return {
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(pruneTimer);
      await deps.source?.stop().catch(() => {});
      await server.stop(true);
      await store.close();
    },
  };
}

/**
 * Starts the collector role (the job Telegraf did in the source design): it accepts samples from
 * the metrics bus and writes them to the metrics store, and prunes samples older than
 * `retentionMs`. The bus is a Kafka consumer group when `cfg.kafkaBrokers` is set, else HTTP push
 * on `POST /samples`; the store is InfluxDB when `cfg.influxUrl` is set, else the cluster's SQLite
 * file (`adapters/select.ts`). Both can also be injected.
 */

import type { MetricsStore } from '../adapters/metrics-store.ts';
import type { SampleSink, SampleSource } from '../adapters/sample-source.ts';
import { openKafkaSource, openMetricsStore } from '../adapters/select.ts';
import type { CollectorConfig } from '../config/roles.ts';
import { listening } from '../shared/listen.ts';
import type { Logger } from '../shared/logger.ts';
import type { RoleHandle } from '../shared/role.ts';
import { type CollectorStats, collectorRoutes } from './routes.ts';

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
 * @throws BadConfig when INFLUX_URL is set and InfluxDB does not answer.
 */
export async function startCollector(
  cfg: CollectorConfig,
  log: Logger,
  deps: CollectorDeps = {},
): Promise<RoleHandle> {
  const kafka = deps.source ? null : await openKafkaSource({ ...cfg, logger: log });
  if (kafka) deps = { ...deps, source: kafka, busKind: deps.busKind ?? 'kafka' };
  if (!deps.store && cfg.influxUrl) deps = { ...deps, storeKind: deps.storeKind ?? 'influxdb' };
  const now = deps.now ?? Date.now;
  const store = deps.store ?? (await openMetricsStore(cfg));
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
  const server = listening(cfg, () => Bun.serve({ hostname: cfg.host, port: cfg.port, fetch: app.fetch }));
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
    {
      url,
      retentionMs: cfg.retentionMs,
      store: deps.storeKind ?? (deps.store ? 'custom' : 'sqlite'),
      bus: deps.busKind ?? 'http',
    },
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

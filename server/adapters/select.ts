/**
 * Picks each capability's adapter from configuration (design: "chosen by" `REDIS_URL`, `RUNTIME`,
 * `INFLUX_URL`, `KAFKA_BROKERS`): the real adapter when its setting is given, otherwise the embedded
 * default, which keeps its state under `<dataDir>/<cluster>/` (created here). Adapters are imported
 * lazily so a role only loads the packages it uses. InfluxDB's token, organisation and bucket come
 * from `INFLUX_TOKEN`, `INFLUX_ORG`, `INFLUX_BUCKET` (default bucket/database `zonescale`); the
 * Docker runtime's image from `ZONESCALE_IMAGE` (default `zonescale:local`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BadConfig } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { DockerRuntime } from './docker/runtime-docker.ts';
import type { MetricsPublisher } from './metrics-bus.ts';
import type { MetricsStore } from './metrics-store.ts';
import { ProcessRuntime } from './process/runtime-process.ts';
import type { Registry } from './registry.ts';
import type { ContainerRuntime } from './runtime.ts';
import type { SampleSource } from './sample-source.ts';
import type { SwarmRuntime } from './swarm/runtime-swarm.ts';

/** `<dataDir>/<cluster>/`, created if missing: the embedded defaults' state directory. */
export function clusterDir(dataDir: string, cluster: string): string {
  const dir = join(dataDir, cluster);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * The registry: Redis at `redisUrl` (keys under `zonescale:<cluster>:`), or SQLite at
 * `<dataDir>/<cluster>/registry.sqlite` when `redisUrl` is empty.
 */
export async function openRegistry(cfg: {
  redisUrl: string;
  dataDir: string;
  cluster: string;
}): Promise<Registry> {
  if (cfg.redisUrl) {
    const { RedisRegistry } = await import('./redis/registry-redis.ts');
    return new RedisRegistry({ url: cfg.redisUrl, prefix: `zonescale:${cfg.cluster}:` });
  }
  const { SqliteRegistry } = await import('./sqlite/registry-sqlite.ts');
  return new SqliteRegistry(join(clusterDir(cfg.dataDir, cfg.cluster), 'registry.sqlite'));
}

/**
 * The container runtime: local processes (`process`) recording under `<dataDir>/<cluster>/`
 * (`containers/<id>.json`, `logs/<id>.log`), Docker containers (`docker`) labelled with the cluster,
 * or Docker Swarm services (`swarm`, the engine must be a swarm manager: see `SwarmRuntime.check`).
 */
export function openRuntime(cfg: {
  runtime: 'process' | 'docker' | 'swarm';
  dataDir: string;
  cluster: string;
}): ContainerRuntime {
  switch (cfg.runtime) {
    case 'process':
      return new ProcessRuntime({ runDir: clusterDir(cfg.dataDir, cfg.cluster), cluster: cfg.cluster });
    case 'docker': {
      // Synchronous require keeps this function's shape while loading dockerode only when asked.
      const { DockerRuntime: Runtime } = require('./docker/runtime-docker.ts') as {
        DockerRuntime: typeof DockerRuntime;
      };
      return new Runtime({ cluster: cfg.cluster, image: process.env.ZONESCALE_IMAGE || undefined });
    }
    case 'swarm': {
      const { SwarmRuntime: Runtime } = require('./swarm/runtime-swarm.ts') as {
        SwarmRuntime: typeof SwarmRuntime;
      };
      return new Runtime({ cluster: cfg.cluster, image: process.env.ZONESCALE_IMAGE || undefined });
    }
    default: {
      const never: never = cfg.runtime;
      throw new BadConfig(`unknown runtime ${String(never)}`);
    }
  }
}

/**
 * The metrics store: InfluxDB at `influxUrl` (dialect from its `/ping`), or SQLite at
 * `<dataDir>/<cluster>/metrics.sqlite` when `influxUrl` is empty.
 * @throws BadConfig when InfluxDB does not answer its `/ping`.
 */
export async function openMetricsStore(cfg: {
  influxUrl: string;
  dataDir: string;
  cluster: string;
}): Promise<MetricsStore> {
  if (cfg.influxUrl) {
    const { openInfluxMetricsStore } = await import('./influx/metrics-store-influx.ts');
    try {
      return await openInfluxMetricsStore({
        url: cfg.influxUrl.replace(/\/+$/, ''),
        token: process.env.INFLUX_TOKEN || undefined,
        org: process.env.INFLUX_ORG || undefined,
        bucket: process.env.INFLUX_BUCKET || 'zonescale',
      });
    } catch (err) {
      throw new BadConfig(`INFLUX_URL ${cfg.influxUrl}: ${(err as Error).message}`);
    }
  }
  const { SqliteMetricsStore } = await import('./sqlite/metrics-store-sqlite.ts');
  return new SqliteMetricsStore(join(clusterDir(cfg.dataDir, cfg.cluster), 'metrics.sqlite'));
}

/**
 * A Kafka publisher when `kafkaBrokers` is set (else null: HTTP push to the collector): the app's and
 * the agent's on the samples topic, the balancer's on `topic` (the requests topic).
 */
export async function openKafkaPublisher(cfg: {
  kafkaBrokers: string[];
  id: string;
  topic?: string;
  logger?: Logger;
}): Promise<MetricsPublisher | null> {
  if (cfg.kafkaBrokers.length === 0) return null;
  const { KafkaMetricsPublisher } = await import('./kafka/metrics-bus-kafka.ts');
  return new KafkaMetricsPublisher({
    brokers: cfg.kafkaBrokers,
    clientId: cfg.id,
    topic: cfg.topic,
    logger: cfg.logger,
  });
}

/** The collector's Kafka consumer group `zonescale-collector-<cluster>` when `kafkaBrokers` is set (else null). */
export async function openKafkaSource(cfg: {
  kafkaBrokers: string[];
  cluster: string;
  logger?: Logger;
}): Promise<SampleSource | null> {
  if (cfg.kafkaBrokers.length === 0) return null;
  const { KafkaSampleSource } = await import('./kafka/sample-source-kafka.ts');
  return new KafkaSampleSource({
    brokers: cfg.kafkaBrokers,
    groupId: `zonescale-collector-${cfg.cluster}`,
    logger: cfg.logger,
  });
}

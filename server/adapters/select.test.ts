/**
 * Adapter selection: empty settings give the embedded defaults with their files under
 * `<dataDir>/<cluster>/`; a real setting gives the real adapter; an InfluxDB that does not answer is refused.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadConfig } from '../shared/errors.ts';
import { DockerRuntime } from './docker/runtime-docker.ts';
import { ProcessRuntime } from './process/runtime-process.ts';
import { RedisRegistry } from './redis/registry-redis.ts';
import {
  openKafkaPublisher,
  openKafkaSource,
  openMetricsStore,
  openRegistry,
  openRuntime,
} from './select.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-select-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('adapter selection', () => {
  test('an empty REDIS_URL opens the SQLite registry at <dataDir>/<cluster>/registry.sqlite', async () => {
    const registry = await openRegistry({ redisUrl: '', dataDir, cluster: 'reg' });
    try {
      expect(await registry.claimLeadership(0, { id: 1, url: 'http://127.0.0.1:1', term: 1, since: 1 })).toBe(
        true,
      );
      expect(existsSync(join(dataDir, 'reg', 'registry.sqlite'))).toBe(true);
    } finally {
      await registry.close();
    }
  });

  test('an empty INFLUX_URL opens the SQLite metrics store at <dataDir>/<cluster>/metrics.sqlite', async () => {
    const store = await openMetricsStore({ influxUrl: '', dataDir, cluster: 'met' });
    try {
      expect(await store.latest(0)).toEqual([]);
      expect(existsSync(join(dataDir, 'met', 'metrics.sqlite'))).toBe(true);
    } finally {
      await store.close();
    }
  });

  test('RUNTIME=process gives the process runtime and creates the cluster directory', async () => {
    const runtime = openRuntime({ runtime: 'process', dataDir, cluster: 'run' });
    expect(runtime).toBeInstanceOf(ProcessRuntime);
    expect(await runtime.list()).toEqual([]);
    expect(existsSync(join(dataDir, 'run'))).toBe(true);
  });

  test('RUNTIME=docker gives the Docker runtime (nothing is contacted until it is used)', () => {
    const runtime = openRuntime({ runtime: 'docker', dataDir, cluster: 'x' });
    expect(runtime).toBeInstanceOf(DockerRuntime);
  });

  test('REDIS_URL gives the Redis registry', async () => {
    const registry = await openRegistry({ redisUrl: 'redis://127.0.0.1:1', dataDir, cluster: 'x' });
    expect(registry).toBeInstanceOf(RedisRegistry);
    await registry.close();
  });

  test('an INFLUX_URL that does not answer /ping is refused with BadConfig', async () => {
    await expect(
      openMetricsStore({ influxUrl: 'http://127.0.0.1:1', dataDir, cluster: 'x' }),
    ).rejects.toBeInstanceOf(BadConfig);
  });

  test('without KAFKA_BROKERS there is no Kafka publisher or source (HTTP push)', async () => {
    expect(await openKafkaPublisher({ kafkaBrokers: [], id: 'a' })).toBeNull();
    expect(await openKafkaSource({ kafkaBrokers: [], cluster: 'x' })).toBeNull();
  });
});

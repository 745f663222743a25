/**
 * Adapter selection: empty settings give the embedded defaults with their files under
 * `<dataDir>/<cluster>/`; a real adapter not built yet is refused with `BadConfig`.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadConfig } from '../shared/errors.ts';
import { ProcessRuntime } from './process/runtime-process.ts';
import { openMetricsStore, openRegistry, openRuntime } from './select.ts';

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

  test.each([
    ['REDIS_URL', () => openRegistry({ redisUrl: 'redis://127.0.0.1:6379', dataDir, cluster: 'x' })],
    ['INFLUX_URL', () => openMetricsStore({ influxUrl: 'http://127.0.0.1:8086', dataDir, cluster: 'x' })],
    ['RUNTIME=docker', async () => openRuntime({ runtime: 'docker', dataDir, cluster: 'x' })],
  ] as const)('%s asks for an adapter not built yet and is refused with BadConfig', async (_name, open) => {
    await expect(open()).rejects.toBeInstanceOf(BadConfig);
  });
});

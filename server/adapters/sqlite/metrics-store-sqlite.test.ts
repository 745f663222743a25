/**
 * Runs the shared MetricsStore contract against the SQLite adapter on a temp file, and checks what
 * only a file store has: the path layout, WAL mode and two connections sharing one file.
 */

import { Database } from 'bun:sqlite';
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentSample, metricsStoreContract, sample } from '../metrics-store.contract.ts';
import { metricsStorePath, openSqliteMetricsStore, SqliteMetricsStore } from './metrics-store-sqlite.ts';

let dir = '';
metricsStoreContract(
  'SqliteMetricsStore',
  () => {
    dir = mkdtempSync(join(tmpdir(), 'zs-metrics-'));
    return new SqliteMetricsStore(join(dir, 'm.sqlite'));
  },
  () => rmSync(dir, { recursive: true, force: true }),
);

describe('SqliteMetricsStore on a shared file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  test('the file lives at <dataDir>/<cluster>/metrics.sqlite and runs in WAL mode', async () => {
    const d = mkdtempSync(join(tmpdir(), 'zs-metrics-'));
    dirs.push(d);
    const store = openSqliteMetricsStore(d, 'c1');
    try {
      expect(store.path).toBe(join(d, 'c1', 'metrics.sqlite'));
      const db = new Database(metricsStorePath(d, 'c1'), { readonly: true });
      expect(db.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
      db.close();
    } finally {
      await store.close();
    }
  });

  test('a file from before sample sources is migrated: its rows become app samples, keyed with source', async () => {
    const d = mkdtempSync(join(tmpdir(), 'zs-metrics-'));
    dirs.push(d);
    const path = join(d, 'old.sqlite');
    const old = new Database(path, { create: true });
    old.exec(`CREATE TABLE samples (server_id TEXT NOT NULL, zone TEXT NOT NULL, ts INTEGER NOT NULL,
      cpu REAL NOT NULL, memory_mb REAL NOT NULL, throughput REAL NOT NULL, healthy INTEGER NOT NULL,
      scenario TEXT NOT NULL, PRIMARY KEY (server_id, ts)) WITHOUT ROWID;
      INSERT INTO samples VALUES ('a', 'zone1', 1000, 42, 100, 0, 1, 'off');`);
    old.close();
    const store = new SqliteMetricsStore(path);
    try {
      expect(await store.latest(0)).toEqual([sample('a', 1000, 42)]);
      await store.write([agentSample('a', 1000, 7, 70)]);
      expect((await store.zoneCpu('zone1', 0, 2000)).avgCpu).toBeCloseTo(7);
    } finally {
      await store.close();
    }
  });

  test('a second connection reads what the first one wrote', async () => {
    const d = mkdtempSync(join(tmpdir(), 'zs-metrics-'));
    dirs.push(d);
    const writer = openSqliteMetricsStore(d, 'c1');
    const reader = openSqliteMetricsStore(d, 'c1');
    try {
      await writer.write([sample('a', 1000, 42)]);
      expect((await reader.zoneCpu('zone1', 0, 2000)).avgCpu).toBeCloseTo(42);
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});

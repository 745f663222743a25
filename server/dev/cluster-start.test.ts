/**
 * A dev-cluster start that fails after it claimed the data directory leaves nothing behind: the
 * lock is released (the next start may claim it) and no role was left running. The failure here
 * is the data directory's own: `<dataDir>/<cluster>` is a file, so its logs directory cannot be made.
 */
import { afterAll, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockFile } from './claim.ts';
import { startCluster } from './cluster.ts';
import { testBasePort } from './layout.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('a start that fails after the claim releases the lock and can be tried again', async () => {
  writeFileSync(join(dataDir, 'blocked'), 'not a directory');
  const start = () =>
    startCluster({
      basePort: testBasePort('cluster-test'),
      dataDir,
      cluster: 'blocked',
      fresh: false,
      token: 'start-test-token-0123456789',
    });
  await expect(start()).rejects.toThrow(/EEXIST|ENOTDIR/);
  expect(existsSync(lockFile(dataDir))).toBe(false);
  // The same failure again, not ClusterBusy: nothing holds the directory.
  await expect(start()).rejects.toThrow(/EEXIST|ENOTDIR/);
  expect(existsSync(lockFile(dataDir))).toBe(false);
});

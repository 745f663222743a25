/**
 * Playwright global setup: starts a real cluster (`cluster-process.ts`, under Bun) on its own ports
 * and data directory, waits until it is ready, and returns the teardown that stops it. The spec
 * files read the cluster's URLs from `E2E_CLUSTER_INFO`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testBasePort } from '../server/dev/layout.ts';

const here = dirname(fileURLToPath(import.meta.url));

export default async function globalSetup(): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'zonescale-e2e-'));
  const info = join(dir, 'cluster.json');
  const basePort = testBasePort('e2e');
  let child: ChildProcess;
  try {
    child = spawn('bun', [resolve(here, 'cluster-process.ts'), info, String(basePort), dir], {
      cwd: resolve(here, '..'),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 120_000;
  while (!existsSync(info)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const why = child.exitCode !== null ? `exited with ${child.exitCode}` : 'was not ready within 120 s';
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`the e2e cluster ${why}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  process.env.E2E_CLUSTER_INFO = readFileSync(info, 'utf8');
  return async () => {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
}

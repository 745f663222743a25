/**
 * Playwright global setup: starts a real cluster (`cluster-process.ts`, under Bun) on its own ports
 * and data directory, waits until it is ready, and returns the teardown that stops it. The spec
 * files read the cluster's URLs from `E2E_CLUSTER_INFO`. `spawnCluster` is also what a spec uses
 * to start a cluster of its own (e.g. a user's service with its own policy) beside the shared one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testBasePort } from '../server/dev/layout.ts';
import type { E2eClusterOptions } from './cluster-process.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** A cluster process started by `spawnCluster`: its info JSON (`ClusterInfo` + dataDir) and its stop. */
export interface SpawnedCluster {
  /** The JSON `cluster-process.ts` wrote once every zone was ready. */
  info: string;
  /** SIGTERM, up to 15 s for the cluster to stop its processes, SIGKILL, then removes the data directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `cluster-process.ts` with `options` in a fresh temp data directory and waits (up to 120 s)
 * for it to be ready. @throws Error when it exits or is not ready in time (it is stopped and its
 * directory removed first)
 */
export async function spawnCluster(options: E2eClusterOptions = {}): Promise<SpawnedCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'zonescale-e2e-'));
  const infoPath = join(dir, 'cluster.json');
  const basePort = testBasePort(options.window ?? 'e2e');
  let child: ChildProcess;
  try {
    child = spawn(
      'bun',
      [resolve(here, 'cluster-process.ts'), infoPath, String(basePort), dir, JSON.stringify(options)],
      { cwd: resolve(here, '..'), stdio: ['ignore', 'inherit', 'inherit'] },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  while (!existsSync(infoPath)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const why = child.exitCode !== null ? `exited with ${child.exitCode}` : 'was not ready within 120 s';
      await stop();
      throw new Error(`the e2e cluster ${why}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { info: readFileSync(infoPath, 'utf8'), stop };
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const cluster = await spawnCluster();
  process.env.E2E_CLUSTER_INFO = cluster.info;
  return cluster.stop;
}

/**
 * Starts a cluster script under Bun (Playwright runs under Node; the cluster needs Bun) and waits
 * for the JSON file it writes once ready. Used by `global-setup.ts` (the shared cluster) and by the
 * specs that need a cluster of their own (`dashboard-scale-to-zero.spec.ts`). The returned `stop`
 * sends SIGTERM, waits up to 15 s, SIGKILLs if needed and removes the data directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** A running cluster process: the text of its info file and its stop. */
export interface SpawnedCluster {
  info: string;
  stop: () => Promise<void>;
}

/**
 * Runs `bun e2e/<script> <info.json> <basePort> <dataDir>` and resolves once the info file exists.
 * @throws Error when the process exits first or is not ready within `readyMs` (default 120 s);
 * the process is stopped and its data directory removed before the throw.
 */
export async function spawnCluster(
  script: string,
  basePort: number,
  readyMs = 120_000,
): Promise<SpawnedCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'zonescale-e2e-'));
  const infoPath = join(dir, 'cluster.json');
  let child: ChildProcess;
  try {
    child = spawn('bun', [resolve(here, script), infoPath, String(basePort), dir], {
      cwd: resolve(here, '..'),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + readyMs;
  while (!existsSync(infoPath)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const why =
        child.exitCode !== null ? `exited with ${child.exitCode}` : `was not ready within ${readyMs} ms`;
      await stop();
      throw new Error(`the cluster of ${script} ${why}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { info: readFileSync(infoPath, 'utf8'), stop };
}

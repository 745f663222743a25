/**
 * A monitor start that fails after its stores were opened closes them before it throws: the port
 * taken (the server fails after the embedded registry, SQLite, and the metrics store were opened
 * under the data directory), and a runtime whose check fails (after the registry was opened);
 * afterwards no file descriptor of this process names a file there.
 */
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../server/config/parse.ts';
import { MonitorConfig } from '../../server/config/roles.ts';
import { startMonitor } from '../../server/monitor/start.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import { freePort } from '../support/ports.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-monitor-fail-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Paths under `dataDir` that this process holds open. */
function openUnderDataDir(): string[] {
  const held: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dataDir)) held.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return held;
}

/** The config of a one-monitor cluster `cluster` on `port` under `dataDir`, with `extra` flags. */
function config(cluster: string, port: number, extra: string[] = []) {
  const argv = ['--id', '1', '--peers', `1=http://127.0.0.1:${port}`, '--port', String(port)];
  argv.push('--zones', 'zone1', '--data-dir', dataDir, '--cluster', cluster, ...extra);
  return parseConfig(MonitorConfig, argv, { ZONESCALE_TOKEN: 'a-token-of-at-least-16-chars' });
}

test('a monitor whose port is taken closes the stores it opened, then throws', async () => {
  const port = freePort();
  const squatter = Bun.listen({ hostname: '127.0.0.1', port, socket: { data() {} } });
  try {
    await expect(startMonitor(config('taken', port), silentLogger)).rejects.toMatchObject({
      name: 'PortInUse',
    });
    expect(readdirSync(join(dataDir, 'taken'))).toContain('registry.sqlite'); // it was opened
    expect(openUnderDataDir()).toEqual([]);
  } finally {
    squatter.stop(true);
  }
});

test('a runtime whose check fails (swarm, no engine) closes the registry opened before it', async () => {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = `unix://${join(dataDir, 'no-such-docker.sock')}`;
  try {
    await expect(
      startMonitor(config('noswarm', freePort(), ['--runtime', 'swarm']), silentLogger),
    ).rejects.toThrow('RUNTIME=swarm: cannot reach the Docker engine');
    expect(readdirSync(join(dataDir, 'noswarm'))).toContain('registry.sqlite');
    expect(openUnderDataDir()).toEqual([]);
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
});

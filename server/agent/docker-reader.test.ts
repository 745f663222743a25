/**
 * `DockerReader` against a fake engine answering `GET /containers/{id}/stats` (the answer shape of
 * the Docker API reference), both ways it calls it: Bun's `fetch` on a unix socket (the default
 * engine) and dockerode over TCP (`DOCKER_HOST=tcp://…`).
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { RuntimeContainer } from '../adapters/runtime.ts';
import { DockerReader } from './docker-reader.ts';

const stats = {
  cpu_stats: { cpu_usage: { total_usage: 3e9 }, system_cpu_usage: 8e12, online_cpus: 2 },
  precpu_stats: { cpu_usage: { total_usage: 0 } },
  memory_stats: { usage: 100 * 1024 * 1024, stats: { total_inactive_file: 20 * 1024 * 1024 } },
};
const asked: string[] = [];
const fetchEngine = (req: Request) => {
  const url = new URL(req.url);
  asked.push(`${url.pathname}?${url.searchParams}`);
  if (url.pathname === '/containers/abc123/stats') return Response.json(stats);
  return Response.json({ message: 'No such container' }, { status: 404 });
};

const dir = mkdtempSync(join(tmpdir(), 'zs-docker-reader-'));
const socket = join(dir, 'docker.sock');
const unixEngine = Bun.serve({ unix: socket, fetch: fetchEngine });
const tcpEngine = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: fetchEngine });
afterAll(() => {
  unixEngine.stop(true);
  tcpEngine.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

const container = (id: string, runtimeId: string): RuntimeContainer => ({
  id,
  role: 'app',
  zone: 'zone1',
  port: 9101,
  runtimeId,
  running: true,
  startedAt: 0,
});

describe.each([
  ['fetch on the unix socket', () => new Docker({ socketPath: socket })],
  ['dockerode over TCP', () => new Docker({ host: '127.0.0.1', port: tcpEngine.port, protocol: 'http' })],
])('DockerReader, %s', (_how, docker) => {
  test('reads a one-shot stats answer as a reading; a container the engine does not know is left out', async () => {
    asked.length = 0;
    const got = await new DockerReader(docker()).read([
      container('zone1-app-1', 'abc123'),
      container('zone1-app-2', 'gone'),
    ]);
    expect([...got.keys()]).toEqual(['zone1-app-1']);
    expect(got.get('zone1-app-1')).toEqual({ cpuNs: 3e9, clockNs: 4e12, memoryBytes: 80 * 1024 * 1024 });
    expect(asked.sort()).toEqual([
      '/containers/abc123/stats?stream=false&one-shot=true',
      '/containers/gone/stats?stream=false&one-shot=true',
    ]);
  });
});

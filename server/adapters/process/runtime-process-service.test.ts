/**
 * The process runtime running a user's service for real: the shared service contract with the
 * Python example (`examples/python-cpu/server.py`, standard library only) and a shell command that
 * exits at once, then what only processes show — the command runs under `/bin/sh` with `PORT` (and
 * the service's port variable) but without the cluster token, `runtimeId` is the process-group
 * leader's pid, and `stop` ends the whole group (the shell's children too).
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from '../../../test/support/pids.ts';
import { freePort } from '../../../test/support/ports.ts';
import { serviceContract } from '../runtime.contract.ts';
import type { ContainerSpec, ServiceSpec } from '../runtime.ts';
import { ProcessRuntime } from './runtime-process.ts';

const root = mkdtempSync(join(tmpdir(), 'zonescale-service-rt-'));
const runtimes: ProcessRuntime[] = [];
let dirs = 0;

function runtime(): ProcessRuntime {
  const rt = new ProcessRuntime({ runDir: join(root, `run${++dirs}`), cluster: 'test' });
  runtimes.push(rt);
  return rt;
}

const python: ServiceSpec = {
  command: 'exec python3 examples/python-cpu/server.py',
  env: {},
  healthPath: '/healthz',
  readinessDelayMs: 0,
};
const exiting: ServiceSpec = {
  command: 'echo "boom $GREETING"; exit 3',
  env: {},
  healthPath: '/',
  readinessDelayMs: 0,
};

afterAll(async () => {
  for (const rt of runtimes) for (const c of await rt.list()) await rt.stop(c.id);
  rmSync(root, { recursive: true, force: true });
});

serviceContract('process', () => ({
  runtime: runtime(),
  answering: () => python,
  exiting: () => exiting,
  port: freePort,
}));

const app = (id: string, service: ServiceSpec): ContainerSpec => ({
  id,
  role: 'app',
  zone: 'zone1',
  port: freePort(),
  args: [],
  env: {},
  service,
});

describe('ProcessRuntime with a user’s service', () => {
  test('the command gets PORT and its port variable, never the cluster token', async () => {
    const rt = runtime();
    const saved = process.env.ZONESCALE_TOKEN;
    process.env.ZONESCALE_TOKEN = 'secret-token-of-the-cluster';
    try {
      const s = app('zone1-app-1', {
        ...exiting,
        command: 'echo "port=$PORT http=$HTTP_PORT token=[$ZONESCALE_TOKEN] mode=$MODE"',
        env: { MODE: 'fast' },
        portVariable: 'HTTP_PORT',
      });
      await rt.start(s);
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline && (await rt.list())[0]?.running) await Bun.sleep(50);
      expect(await rt.logTail('zone1-app-1', 1)).toBe(`port=${s.port} http=${s.port} token=[] mode=fast`);
    } finally {
      if (saved === undefined) delete process.env.ZONESCALE_TOKEN;
      else process.env.ZONESCALE_TOKEN = saved;
    }
  });

  test('runtimeId is the group leader (the shell), and stop ends its children too', async () => {
    const rt = runtime();
    const pidFile = join(root, 'child.pid');
    // The shell forks a child (not exec) and waits: two processes in one group.
    const s = app('zone1-app-2', {
      ...python,
      command: `sleep 300 & echo $! > ${pidFile}; python3 examples/python-cpu/server.py; wait`,
    });
    const started = await rt.start(s);
    const deadline = Date.now() + 10_000;
    let child = 0;
    while (Date.now() < deadline && !child) {
      child = Number(readFileSync(pidFile, { flag: 'a+' }).toString().trim()) || 0;
      await Bun.sleep(50);
    }
    const leader = Number(started.runtimeId);
    expect(readFileSync(`/proc/${leader}/cmdline`, 'utf8').split('\0')[0]).toBe('/bin/sh');
    expect(readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]).toBe(String(leader));
    await rt.stop('zone1-app-2');
    const gone = Date.now() + 5_000;
    while (Date.now() < gone && alive(child)) await Bun.sleep(50);
    expect(alive(child)).toBe(false);
    expect(alive(leader)).toBe(false);
  }, 20_000);

  test('an image needs the Docker runtime: start refuses it before anything runs', async () => {
    const rt = runtime();
    await expect(
      rt.start(app('zone1-app-3', { ...python, command: undefined, image: 'me/api:1' })),
    ).rejects.toThrow('needs the Docker runtime');
    expect(await rt.list()).toEqual([]);
  });
});

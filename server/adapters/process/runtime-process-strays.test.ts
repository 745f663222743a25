/**
 * The process runtime's processes that no record names, with real child processes: two starts of
 * one id at once leave exactly one process, the recorded one; a child whose record was never
 * written (its monitor died right after the spawn) is listed and stopped by its id; another
 * cluster's unrecorded child on the same run directory is neither; what a service forks is not a
 * container of its own. Children are `sleep` processes found through `/proc`; all are killed in
 * afterAll.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerSpec } from '../runtime.ts';
import { ownedProcesses } from './owned-processes.ts';
import { ProcessRuntime } from './runtime-process.ts';

const root = mkdtempSync(join(tmpdir(), 'zonescale-strays-'));
let dirs = 0;

/** Live processes (not zombies) whose environment names run directory `runDir`. */
function processesOf(runDir: string): { pid: number; id: string | undefined }[] {
  const found: { pid: number; id: string | undefined }[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      if (!env.includes(`ZONESCALE_RUN_DIR=${runDir}`)) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8') === '') continue;
      const id = env.find((e) => e.startsWith('ZONESCALE_CONTAINER_ID='))?.split('=')[1];
      found.push({ pid: Number(name), id });
    } catch {
      // exited meanwhile, or not readable
    }
  }
  return found;
}

afterAll(() => {
  for (let i = 1; i <= dirs; i++)
    for (const { pid } of processesOf(join(root, `run${i}`))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  rmSync(root, { recursive: true, force: true });
});

/** A run directory of its own and a runtime on it whose children run `command`. */
function setup(command: string[] = ['/bin/sleep', '60']) {
  const runDir = join(root, `run${++dirs}`);
  const make = (cluster = 'test') => new ProcessRuntime({ runDir, cluster, command: () => command });
  return { runDir, make };
}

const spec = (id: string, port: number): ContainerSpec => ({
  id,
  role: 'balancer',
  zone: 'zone1',
  port,
  args: [],
  env: {},
});

/** Polls until `pred` holds, up to `ms`. */
async function until(pred: () => boolean, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !pred()) await Bun.sleep(25);
  return pred();
}

describe('ProcessRuntime processes no record names', () => {
  test('two starts of one id at once leave one process, the recorded one, and stop leaves none', async () => {
    const { runDir, make } = setup();
    const [a, b] = [make(), make()];
    const s = spec('zone1-balancer', 14_999);
    const [fromA, fromB] = await Promise.all([a.start(s), b.start(s)]);
    const rec = JSON.parse(readFileSync(join(runDir, 'containers', 'zone1-balancer.json'), 'utf8')) as {
      pid: number;
    };
    expect(await until(() => processesOf(runDir).length === 1)).toBe(true);
    expect(processesOf(runDir)).toEqual([{ pid: rec.pid, id: 'zone1-balancer' }]);
    expect([fromA.runtimeId, fromB.runtimeId]).toEqual([String(rec.pid), String(rec.pid)]);
    expect((await a.list()).map((c) => [c.id, c.runtimeId, c.running])).toEqual([
      ['zone1-balancer', String(rec.pid), true],
    ]);
    await b.stop('zone1-balancer');
    expect(await until(() => processesOf(runDir).length === 0)).toBe(true);
  });

  test('a child whose record was never written is listed as running and stopped by its id', async () => {
    const { runDir, make } = setup();
    const rt = make();
    const before = Date.now();
    const started = await rt.start({ ...spec('zone2-app-3', 14_998), role: 'app', zone: 'zone2' });
    // As if its monitor died between the spawn and the record: the process runs, no file names it.
    rmSync(join(runDir, 'containers', 'zone2-app-3.json'));
    const listed = await make().list();
    expect(listed).toEqual([
      {
        id: 'zone2-app-3',
        role: 'app',
        zone: 'zone2',
        port: 14_998,
        runtimeId: started.runtimeId,
        running: true,
        startedAt: expect.any(Number),
      },
    ]);
    expect(listed[0]?.startedAt).toBeGreaterThanOrEqual(before);
    await make().stop('zone2-app-3');
    expect(await until(() => processesOf(runDir).length === 0)).toBe(true);
    expect(await rt.list()).toEqual([]);
  });

  test("another cluster's unrecorded child on the same run directory is neither listed nor stopped", async () => {
    const { runDir, make } = setup();
    const other = make('other');
    const started = await other.start(spec('zone1-balancer', 14_997));
    rmSync(join(runDir, 'containers', 'zone1-balancer.json'));
    const mine = make();
    expect(await mine.list()).toEqual([]);
    await mine.stop('zone1-balancer');
    expect(processesOf(runDir).map((p) => p.pid)).toEqual([Number(started.runtimeId)]);
    expect((await other.list()).map((c) => c.runtimeId)).toEqual([started.runtimeId]);
    await other.stop('zone1-balancer');
    expect(await until(() => processesOf(runDir).length === 0)).toBe(true);
  });

  test('what a service forks is part of its container, not a container of its own', async () => {
    const { runDir, make } = setup(['/bin/sh', '-c', 'sleep 60 & sleep 60; wait']);
    const rt = make();
    const started = await rt.start(spec('zone3-app-1', 14_996));
    expect(await until(() => processesOf(runDir).length === 3)).toBe(true);
    rmSync(join(runDir, 'containers', 'zone3-app-1.json'));
    expect(ownedProcesses({ cluster: 'test', runDir }).map((p) => [p.pid, p.id])).toEqual([
      [Number(started.runtimeId), 'zone3-app-1'],
    ]);
    expect((await rt.list()).map((c) => c.runtimeId)).toEqual([started.runtimeId]);
    await rt.stop('zone3-app-1');
    expect(await until(() => processesOf(runDir).length === 0)).toBe(true);
  });
});

/**
 * The process runtime with real child processes: the shared runtime contract, then what only real
 * processes show — the child answers on its port with the spec's env, its output lands in its log,
 * a second runtime on the same run directory recovers it (failover), it outlives the process that
 * started it, a pid that is alive but not the container is not counted as running, a child that
 * ignores SIGTERM is killed after the grace period, and the default command runs server/main.ts.
 * Children are tiny `bun -e` HTTP servers on free ephemeral ports; all are stopped in afterAll.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../test/support/ports.ts';
import { runtimeContract } from '../runtime.contract.ts';
import type { ContainerSpec } from '../runtime.ts';
import { isContainerProcess } from './owned-processes.ts';
import { type ProcessRecord, ProcessRuntime, STOP_GRACE_MS } from './runtime-process.ts';

const root = mkdtempSync(join(tmpdir(), 'zonescale-runtime-'));
const runtimes: ProcessRuntime[] = [];
const strayPids: number[] = [];
let dirs = 0;

/** A free 127.0.0.1 port from the kernel's ephemeral range. */
/** A tiny HTTP server child; with `ignoreTerm` it ignores SIGTERM. */
function tinyServer(spec: ContainerSpec, ignoreTerm = false): string[] {
  const script = `${ignoreTerm ? "process.on('SIGTERM', () => {});" : ''}
    Bun.serve({ hostname: '127.0.0.1', port: ${spec.port}, fetch: () => new Response('ok ' + (process.env.GREETING ?? '')) });
    console.log('listening', ${spec.port}, process.env.GREETING);
    setInterval(() => {}, 1000);`;
  return [process.execPath, '-e', script, spec.id];
}

function runtime(runDir = join(root, `run${++dirs}`), ignoreTerm = false, cluster = 'test'): ProcessRuntime {
  const rt = new ProcessRuntime({ runDir, cluster, command: (s) => tinyServer(s, ignoreTerm) });
  runtimes.push(rt);
  return rt;
}

const spec = (id: string, env: Record<string, string> = {}): ContainerSpec => ({
  id,
  role: 'app',
  zone: 'zone1',
  port: freePort(),
  args: [],
  env,
});

/** GETs `url` until it answers, up to `ms`. */
async function get(url: string, ms = 5_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(500) });
      return await res.text();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await Bun.sleep(50);
    }
  }
}

/** Polls until `pred` holds, up to `ms`. */
async function until(pred: () => boolean | Promise<boolean>, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await pred()) return true;
    await Bun.sleep(25);
  }
  return pred();
}

afterAll(async () => {
  for (const rt of runtimes) for (const c of await rt.list()) await rt.stop(c.id);
  for (const pid of strayPids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
  rmSync(root, { recursive: true, force: true });
});

runtimeContract('process', () => {
  const rt = runtime();
  return {
    runtime: rt,
    spec: (id) => spec(id),
    crash: async (id) => {
      const c = (await rt.list()).find((x) => x.id === id);
      if (c) process.kill(Number(c.runtimeId), 'SIGKILL');
      await until(async () => !(await rt.list()).find((x) => x.id === id)?.running);
    },
  };
});

describe('ProcessRuntime', () => {
  test('a started child answers on its port with the spec env, and its output goes to its log', async () => {
    const rt = runtime();
    const s = spec('zone1-app-1', { GREETING: 'hello' });
    await rt.start(s);
    expect(await get(`http://127.0.0.1:${s.port}/`)).toBe('ok hello');
    const log = join((rt as unknown as { runDir: string }).runDir, 'logs', 'zone1-app-1.log');
    expect(
      await until(() => existsSync(log) && readFileSync(log, 'utf8').includes(`listening ${s.port} hello`)),
    ).toBe(true);
    await rt.stop('zone1-app-1');
  });

  test('the record names the container, its pid and the cluster', async () => {
    const runDir = join(root, 'records');
    const rt = runtime(runDir);
    const s = {
      ...spec('zone2-balancer'),
      role: 'balancer' as const,
      zone: 'zone2',
      args: ['--zone', 'zone2'],
    };
    const started = await rt.start(s);
    const rec = JSON.parse(
      readFileSync(join(runDir, 'containers', 'zone2-balancer.json'), 'utf8'),
    ) as ProcessRecord;
    expect(rec).toMatchObject({
      id: 'zone2-balancer',
      role: 'balancer',
      zone: 'zone2',
      port: s.port,
      cluster: 'test',
      args: ['--zone', 'zone2'],
    });
    expect(String(rec.pid)).toBe(started.runtimeId);
    await rt.stop('zone2-balancer');
    expect(existsSync(join(runDir, 'containers', 'zone2-balancer.json'))).toBe(false);
    expect(isContainerProcess(rec.pid, rec.id, rec.port)).toBe(false);
  });

  test('a second runtime on the same run directory sees the running child and can stop it (failover)', async () => {
    const runDir = join(root, 'failover');
    const first = runtime(runDir);
    const s = spec('zone3-app-1');
    const started = await first.start(s);
    const successor = runtime(runDir);
    expect(await successor.list()).toEqual([
      expect.objectContaining({ id: 'zone3-app-1', runtimeId: started.runtimeId, running: true }),
    ]);
    await successor.stop('zone3-app-1');
    expect(await first.list()).toEqual([]);
    await expect(
      fetch(`http://127.0.0.1:${s.port}/`, { signal: AbortSignal.timeout(500) }),
    ).rejects.toThrow();
  });

  test('a child outlives the process that started it', async () => {
    const runDir = join(root, 'orphan');
    const port = freePort();
    const modulePath = join(import.meta.dir, 'runtime-process.ts');
    const starter = `
      const { ProcessRuntime } = await import(${JSON.stringify(modulePath)});
      const script = "Bun.serve({ hostname: '127.0.0.1', port: ${port}, fetch: () => new Response('still here') }); setInterval(() => {}, 1000);";
      const rt = new ProcessRuntime({ runDir: ${JSON.stringify(runDir)}, cluster: 'test', command: (s) => [process.execPath, '-e', script, s.id] });
      const c = await rt.start({ id: 'zone1-app-9', role: 'app', zone: 'zone1', port: ${port}, args: [], env: {} });
      console.log(c.runtimeId);`;
    const proc = Bun.spawn([process.execPath, '-e', starter], { stdout: 'pipe', stderr: 'inherit' });
    const pid = Number((await new Response(proc.stdout).text()).trim());
    expect(await proc.exited).toBe(0);
    strayPids.push(pid);
    const rt = runtime(runDir);
    expect(await get(`http://127.0.0.1:${port}/`)).toBe('still here');
    expect((await rt.list()).map((c) => [c.id, c.runtimeId, c.running])).toEqual([
      ['zone1-app-9', String(pid), true],
    ]);
    await rt.stop('zone1-app-9');
  });

  test('a live pid that is not the container (pid reuse) does not count as running', () => {
    expect(isContainerProcess(process.pid, 'zone1-app-no-such-id', 1)).toBe(false);
    expect(isContainerProcess(2 ** 22 + 7, 'x', 1)).toBe(false);
  });

  test('a child that ignores SIGTERM is killed after the grace period', async () => {
    const rt = runtime(undefined, true);
    const s = spec('zone1-app-stubborn');
    const started = await rt.start(s);
    await get(`http://127.0.0.1:${s.port}/`);
    const t0 = Date.now();
    await rt.stop(s.id);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(STOP_GRACE_MS - 100);
    expect(await until(() => !isContainerProcess(Number(started.runtimeId), s.id, s.port))).toBe(true);
    expect(await rt.list()).toEqual([]);
  });

  test('an id unfit as a file name is refused before anything starts', async () => {
    const rt = runtime();
    await expect(rt.start(spec('../escape'))).rejects.toMatchObject({
      code: 'bad_container_id',
      status: 400,
    });
    expect(await rt.list()).toEqual([]);
  });

  test('the default command runs bun server/main.ts <role> with the spec args', async () => {
    const runDir = join(root, 'default-command');
    const rt = new ProcessRuntime({ runDir, cluster: 'test' });
    runtimes.push(rt);
    await rt.start({
      id: 'zone1-app-bad',
      role: 'app',
      zone: 'zone1',
      port: freePort(),
      args: ['--no-such-flag', 'x'],
      env: {},
    });
    const log = join(runDir, 'logs', 'zone1-app-bad.log');
    expect(
      await until(() => existsSync(log) && readFileSync(log, 'utf8').includes('zonescale app:'), 5_000),
    ).toBe(true);
    expect(await until(async () => (await rt.list())[0]?.running === false)).toBe(true);
    await rt.stop('zone1-app-bad');
  });
});

describe("ProcessRuntime never stops another cluster's process", () => {
  test('a record of another cluster in the same run directory is left alone', async () => {
    const runDir = join(root, 'shared-dir');
    const mine = runtime(runDir);
    const s = spec('zone1-app-1');
    await mine.start(s);
    const other = runtime(runDir, false, 'other');
    await other.stop('zone1-app-1');
    expect(await get(`http://127.0.0.1:${s.port}/`)).toBe('ok ');
    expect((await mine.list())[0]?.running).toBe(true);
    await mine.stop('zone1-app-1');
  });

  test.each([
    ['another cluster id', 'other', 'other-dir'],
    ['the same cluster id in another data directory', 'test', 'same-id-dir'],
  ])(
    'a stale record whose pid is now a container of %s (same id and port) does not kill it',
    async (_c, cluster, dir) => {
      const mine = runtime(join(root, `${dir}-mine`));
      const s = spec('zone1-balancer');
      const started = await mine.start(s);
      // The other runtime's record names the same id, port and (reused) pid.
      const otherDir = join(root, dir);
      const other = runtime(otherDir, false, cluster);
      await other.start({ ...spec('zone1-balancer'), port: freePort() });
      const file = join(otherDir, 'containers', 'zone1-balancer.json');
      const forged = JSON.parse(readFileSync(file, 'utf8')) as ProcessRecord;
      await other.stop('zone1-balancer');
      writeFileSync(file, JSON.stringify({ ...forged, pid: Number(started.runtimeId), port: s.port }));
      expect((await other.list())[0]?.running).toBe(false);
      await other.stop('zone1-balancer');
      expect(await get(`http://127.0.0.1:${s.port}/`)).toBe('ok ');
      expect((await mine.list())[0]?.running).toBe(true);
      await mine.stop('zone1-balancer');
    },
  );
});

describe('isContainerProcess', () => {
  test.each([
    ['its exact id', 'zone1-app-1', 1, true],
    ['its exact port', 'nope', 41_234, true],
    ['a shorter id that is only a prefix of the argument', 'zone1-app', 1, false],
    ['a port that is only part of a number', 'nope', 1_234, false],
  ])('matches the command line on %s', async (_case, id, port, expected) => {
    const child = Bun.spawn(
      [process.execPath, '-e', 'setInterval(() => {}, 1000)', 'zone1-app-1', '--port=41234'],
      {
        stdout: 'ignore',
      },
    );
    try {
      // Wait for the exec to show in /proc before judging the case.
      expect(await until(() => isContainerProcess(child.pid, 'zone1-app-1', 1), 2_000)).toBe(true);
      expect(isContainerProcess(child.pid, id, port)).toBe(expected);
    } finally {
      child.kill('SIGKILL');
      await child.exited;
    }
  });
});

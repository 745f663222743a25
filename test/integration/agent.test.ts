/**
 * The agent as a real child process (`bun server/main.ts agent`) beside an in-process collector:
 * it lists the servers a process runtime (another instance, in this test process) started under
 * the same data directory, reads each one's process tree from `/proc`, and its samples reach the
 * collector over the HTTP bus. A server is a shell with a child (`sh -c 'bun burner.js; true'`), so the
 * tree is two processes deep. The burner's CPU is checked against the CPU time the burner itself
 * counts (`process.cpuUsage()`, logged every 100 ms) over the same window, so the check holds on a
 * loaded machine too, and against ~100 % when the machine has a core to spare; its memory against
 * `ps`; the sleeper reads ~0 %.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MemoryMetricsStore } from '../../server/adapters/metrics-store-memory.ts';
import { ProcessRuntime } from '../../server/adapters/process/runtime-process.ts';
import type { ContainerSpec } from '../../server/adapters/runtime.ts';
import { startCollector } from '../../server/collector/start.ts';
import { CollectorConfig } from '../../server/config/roles.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { RoleHandle } from '../../server/shared/role.ts';
import type { Sample } from '../../server/shared/types.ts';
import { freePort } from '../support/ports.ts';

const ROOT = resolve(import.meta.dir, '../..');
const TOKEN = 'integration-agent-token-0123456';
const CLUSTER = 'agenttest';
const BURN_MIB = 64;

/** The burner: 64 MiB touched, then a busy loop (at most 60 s) logging `<epoch ms> <cpu µs>` every 100 ms. */
const burner = (log: string) => `const b = Buffer.alloc(${BURN_MIB} * 1024 * 1024, 1);
const fs = require('node:fs');
const end = Date.now() + 60000;
let next = 0;
while (Date.now() < end) {
  if (Date.now() >= next) {
    const u = process.cpuUsage();
    fs.appendFileSync(${JSON.stringify(log)}, Date.now() + ' ' + (u.user + u.system) + '\\n');
    next = Date.now() + 100;
  }
}
b[0] = 2;
`;

/** A store that also keeps every batch written, in order. */
class RecordingStore extends MemoryMetricsStore {
  readonly all: Sample[] = [];
  override async write(samples: Sample[]): Promise<void> {
    this.all.push(...samples);
    await super.write(samples);
  }
}

/** CPU % of one core the burner counted itself between two epoch ms (linear between log lines). */
function burnerPercent(log: string, from: number, to: number): number {
  const points = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' ').map(Number) as [number, number]);
  const at = (t: number) => {
    for (let i = 1; i < points.length; i++) {
      const [t0, c0] = points[i - 1] as [number, number];
      const [t1, c1] = points[i] as [number, number];
      if (t >= t0 && t <= t1) return c0 + ((c1 - c0) * (t - t0)) / Math.max(1, t1 - t0);
    }
    throw new Error(`burner log does not cover ${t}`);
  };
  return ((at(to) - at(from)) / 1000 / (to - from)) * 100;
}

/** Σ RSS of a process tree as `ps` reports it, MiB. */
function psTreeRssMib(root: number): number {
  const out = Bun.spawnSync(['ps', '-e', '-o', 'pid=,ppid=,rss=']).stdout.toString();
  const rows = out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number, number]);
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of rows)
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
  }
  return rows.filter(([pid]) => tree.has(pid)).reduce((kb, r) => kb + r[2], 0) / 1024;
}

describe('agent → HTTP bus → collector, sampling real process trees from /proc', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zs-agent-it-'));
  const log = join(dataDir, 'burner.log');
  const script = join(dataDir, 'burner.js');
  writeFileSync(script, burner(log));
  const store = new RecordingStore();
  let collector: RoleHandle | null = null;
  let agent: ReturnType<typeof Bun.spawn> | null = null;
  let stderr = '';
  const scripts: Record<string, string> = {
    'zone1-app-1': `bun ${script}; true`,
    'zone1-app-2': 'sleep 60; true',
  };
  const runtime = new ProcessRuntime({
    runDir: join(dataDir, CLUSTER),
    cluster: CLUSTER,
    // The shell gets the container id as $0, so the runtime finds it in the command line.
    command: (spec) => ['sh', '-c', scripts[spec.id] as string, spec.id],
  });
  const spec = (id: string): ContainerSpec => ({
    id,
    role: 'app',
    zone: 'zone1',
    port: freePort(),
    args: [],
    env: {},
  });
  const pids: Record<string, number> = {};

  beforeAll(async () => {
    collector = await startCollector({ ...CollectorConfig.parse({ token: TOKEN }), port: 0 }, silentLogger, {
      store,
    });
    for (const id of Object.keys(scripts)) pids[id] = Number((await runtime.start(spec(id))).runtimeId);
    agent = Bun.spawn(
      [
        'bun',
        'server/main.ts',
        'agent',
        `--port=${freePort()}`,
        `--collector=${collector.url}`,
        '--interval-ms=1000',
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          ZONESCALE_TOKEN: TOKEN,
          ZONESCALE_DATA_DIR: dataDir,
          ZONESCALE_CLUSTER: CLUSTER,
          KAFKA_BROKERS: '',
          RUNTIME: 'process',
          LOG_LEVEL: 'warn',
        },
        stdout: 'ignore',
        stderr: 'pipe',
      },
    );
    void new Response(agent.stderr as ReadableStream).text().then((t) => (stderr = t));
  }, 30_000);

  afterAll(async () => {
    agent?.kill('SIGKILL');
    await agent?.exited;
    for (const c of await runtime.list()) await runtime.stop(c.id);
    await collector?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  const of = (id: string) => store.all.filter((s) => s.serverId === id && s.source === 'agent');

  test('the burning tree reads as its own CPU time over wall time (~100 % of one core when a core is free), with its RSS', async () => {
    const deadline = Date.now() + 25_000;
    while (of('zone1-app-1').length < 6 && Date.now() < deadline) await Bun.sleep(200);
    const samples = of('zone1-app-1');
    expect(samples.length, `agent samples so far; agent stderr: ${stderr}`).toBeGreaterThanOrEqual(6);
    // Skip the first sample (the burner was still starting); the window is (ts[1], ts[last]].
    const window = samples.slice(1);
    const first = window[0] as Sample;
    const last = window.at(-1) as Sample;
    const measured = window.slice(1).reduce((sum, s) => sum + (s.cpu ?? Number.NaN), 0) / (window.length - 1);
    // The burner logs every 100 ms when it gets a core; on a loaded machine wait until it logged past the window.
    const logged = () => Number(readFileSync(log, 'utf8').trim().split('\n').at(-1)?.split(' ')[0]);
    for (const until = Date.now() + 10_000; logged() < last.ts && Date.now() < until; ) await Bun.sleep(100);
    const truth = burnerPercent(log, first.ts, last.ts);
    expect(Math.abs(measured - truth)).toBeLessThan(10);
    // A busy loop has a core to itself unless the machine is oversubscribed (load above its cores).
    const [load1] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
    if ((load1 ?? 0) < navigator.hardwareConcurrency - 1) expect(measured).toBeGreaterThan(85);
    expect(measured).toBeLessThan(115);
    // Memory: at least the 64 MiB the burner touched, and what ps adds up for the same tree.
    const memoryMb = last.memoryMb ?? 0;
    expect(memoryMb).toBeGreaterThan(BURN_MIB);
    expect(Math.abs(memoryMb - psTreeRssMib(pids['zone1-app-1'] as number))).toBeLessThan(memoryMb * 0.15);
    expect(last).toMatchObject({ zone: 'zone1', source: 'agent', healthy: true });
  }, 40_000);

  test('the sleeping tree reads ~0 %', async () => {
    const samples = of('zone1-app-2');
    expect(samples.length).toBeGreaterThanOrEqual(3);
    for (const s of samples) expect(s.cpu).toBeLessThan(3);
    expect(samples.at(-1)?.memoryMb).toBeGreaterThan(0);
  });
});

/**
 * The in-memory runtime fake: the shared runtime contract, plus what tests read from it
 * (recorded specs and stops).
 */
import { describe, expect, test } from 'bun:test';
import { runtimeContract } from './runtime.contract.ts';
import type { ContainerSpec } from './runtime.ts';
import { MemoryRuntime } from './runtime-memory.ts';

let port = 20_000;
const spec = (id: string): ContainerSpec => ({
  id,
  role: id.includes('balancer') ? 'balancer' : 'app',
  zone: id.split('-')[0] ?? 'zone1',
  port: ++port,
  args: ['--id', id],
  env: { A: '1' },
});

runtimeContract('memory', () => {
  const runtime = new MemoryRuntime();
  return { runtime, spec, crash: async (id) => runtime.crash(id) };
});

describe('MemoryRuntime', () => {
  test('it records every started spec and every stop, in order', async () => {
    const rt = new MemoryRuntime({ now: () => 42 });
    await rt.start(spec('zone1-app-1'));
    await rt.start(spec('zone1-app-2'));
    await rt.stop('zone1-app-1');
    await rt.stop('unknown');
    expect(rt.specs.map((s) => s.id)).toEqual(['zone1-app-1', 'zone1-app-2']);
    expect(rt.stopped).toEqual(['zone1-app-1']);
    expect(rt.lastSpec('zone1-app-2')?.args).toEqual(['--id', 'zone1-app-2']);
    expect((await rt.list())[0]?.startedAt).toBe(42);
  });

  test('recorded specs are copies the caller cannot change afterwards', async () => {
    const rt = new MemoryRuntime();
    const s = spec('zone1-app-1');
    await rt.start(s);
    s.args.push('--changed');
    expect(rt.specs[0]?.args).toEqual(['--id', 'zone1-app-1']);
  });

  test('crashing an unknown id changes nothing', async () => {
    const rt = new MemoryRuntime();
    await rt.start(spec('zone1-app-1'));
    rt.crash('nope');
    expect((await rt.list()).map((c) => c.running)).toEqual([true]);
  });
});

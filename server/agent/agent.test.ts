/** The agent's loop over the memory runtime, a scripted reader and the memory publisher. */
import { describe, expect, test } from 'bun:test';
import { MemoryMetricsPublisher } from '../adapters/metrics-bus-memory.ts';
import type { RuntimeContainer } from '../adapters/runtime.ts';
import { MemoryRuntime } from '../adapters/runtime-memory.ts';
import { HostAgent } from './agent.ts';
import type { UsageReader } from './reader.ts';
import type { UsageReading } from './usage.ts';

/** A reader that answers from `usage` (id → reading), set by the test between ticks. */
class ScriptedReader implements UsageReader {
  readonly kind = 'scripted';
  usage = new Map<string, UsageReading>();
  asked: string[][] = [];
  async read(containers: readonly RuntimeContainer[]) {
    this.asked.push(containers.map((c) => c.id));
    const out = new Map<string, UsageReading>();
    for (const c of containers) {
      const r = this.usage.get(c.id);
      if (r) out.set(c.id, r);
    }
    return out;
  }
}

const spec = (id: string, role: 'app' | 'balancer' = 'app') => ({
  id,
  role,
  zone: 'zone1',
  port: 9101,
  args: [],
  env: {},
});

async function setup() {
  const runtime = new MemoryRuntime({ now: () => 0 });
  const reader = new ScriptedReader();
  const publisher = new MemoryMetricsPublisher();
  let now = 1_000;
  const agent = new HostAgent({ runtime, reader, publisher, now: () => now });
  return { runtime, reader, publisher, agent, setNow: (t: number) => (now = t) };
}

const GiB = 1024 ** 3;

describe('HostAgent', () => {
  test('the first reading gives no sample; the second gives CPU over the wall time and memory', async () => {
    const { runtime, reader, publisher, agent, setNow } = await setup();
    await runtime.start(spec('zone1-app-1'));
    reader.usage.set('zone1-app-1', { cpuNs: 10e9, clockNs: 0, memoryBytes: GiB });
    expect(await agent.tick()).toEqual([]);
    reader.usage.set('zone1-app-1', { cpuNs: 10.75e9, clockNs: 1e9, memoryBytes: GiB / 2 });
    setNow(2_000);
    const out = await agent.tick();
    expect(out).toEqual([
      {
        serverId: 'zone1-app-1',
        zone: 'zone1',
        ts: 2_000,
        source: 'agent',
        cpu: 75,
        memoryMb: 512,
        healthy: true,
      },
    ]);
    expect(publisher.published).toEqual(out);
    expect(agent.stats).toMatchObject({ ticks: 2, published: 1, servers: 1, lastTickAt: 2_000 });
  });

  test('balancers and stopped servers are not sampled', async () => {
    const { runtime, reader, agent } = await setup();
    await runtime.start(spec('zone1-balancer', 'balancer'));
    await runtime.start(spec('zone1-app-1'));
    await runtime.start(spec('zone1-app-2'));
    runtime.crash('zone1-app-2');
    await agent.tick();
    expect(reader.asked).toEqual([['zone1-app-1']]);
  });

  test('a server restarted under a new runtime id starts over (no sample across two processes)', async () => {
    const { runtime, reader, publisher, agent } = await setup();
    await runtime.start(spec('zone1-app-1'));
    reader.usage.set('zone1-app-1', { cpuNs: 50e9, clockNs: 0, memoryBytes: 0 });
    await agent.tick();
    await runtime.start(spec('zone1-app-1')); // replaced: new runtimeId
    reader.usage.set('zone1-app-1', { cpuNs: 0.1e9, clockNs: 1e9, memoryBytes: 0 });
    expect(await agent.tick()).toEqual([]);
    reader.usage.set('zone1-app-1', { cpuNs: 0.3e9, clockNs: 2e9, memoryBytes: 0 });
    const [s] = await agent.tick();
    expect(s?.cpu).toBe(20);
    expect(publisher.published).toHaveLength(1);
  });

  test('a server the reader could not read is skipped, the others are published', async () => {
    const { runtime, reader, agent } = await setup();
    await runtime.start(spec('zone1-app-1'));
    await runtime.start(spec('zone1-app-2'));
    reader.usage.set('zone1-app-1', { cpuNs: 0, clockNs: 0, memoryBytes: 0 });
    reader.usage.set('zone1-app-2', { cpuNs: 0, clockNs: 0, memoryBytes: 0 });
    await agent.tick();
    reader.usage.delete('zone1-app-1');
    reader.usage.set('zone1-app-2', { cpuNs: 1e9, clockNs: 1e9, memoryBytes: 0 });
    expect((await agent.tick()).map((s) => [s.serverId, s.cpu])).toEqual([['zone1-app-2', 100]]);
  });

  test('a runtime that cannot list counts a failed tick and publishes nothing', async () => {
    const publisher = new MemoryMetricsPublisher();
    const agent = new HostAgent({
      runtime: { list: () => Promise.reject(new Error('engine down')) },
      reader: new ScriptedReader(),
      publisher,
    });
    expect(await agent.tick()).toEqual([]);
    expect(agent.stats).toMatchObject({ ticks: 0, failedTicks: 1 });
    expect(publisher.published).toEqual([]);
  });
});

/** The in-memory publisher fake records samples and forwards them to its sink. */
import { expect, test } from 'bun:test';
import { MemoryMetricsPublisher } from './metrics-bus-memory.ts';
import { sample } from './metrics-store.contract.ts';
import { MemoryMetricsStore } from './metrics-store-memory.ts';

test('published samples are recorded and reach the sink store', async () => {
  const store = new MemoryMetricsStore();
  const bus = new MemoryMetricsPublisher((xs) => store.write(xs));
  bus.publish(sample('a', 1000, 30));
  await Bun.sleep(0);
  expect(bus.published).toHaveLength(1);
  expect((await store.zoneCpu('zone1', 0, 2000)).avgCpu).toBe(30);
  expect(bus.pending()).toBe(0);
});

test('a failing sink never makes publish throw', () => {
  const bus = new MemoryMetricsPublisher(() => {
    throw new Error('down');
  });
  expect(() => bus.publish(sample('a', 1, 1))).not.toThrow();
  expect(bus.published).toHaveLength(1);
});

/** The load model with fake clocks: what a tick reports in simulate and burn modes, and the history window. */
import { describe, expect, test } from 'bun:test';
import { MemoryMetricsPublisher } from '../adapters/metrics-bus-memory.ts';
import { AppLoad, HISTORY_MS } from './load.ts';

function setup(mode: 'burn' | 'simulate', measured = 3) {
  let t = 1_000_000;
  const duties: number[] = [];
  const publisher = new MemoryMetricsPublisher();
  const load = new AppLoad({
    id: 'zone1-app-1',
    zone: 'zone1',
    scenarioMode: mode,
    publisher,
    cpuMeter: { read: () => measured },
    memoryMb: () => 64.44,
    now: () => t,
    rand: () => 0.5,
    burner: { setDuty: (d) => duties.push(d), stop() {} },
  });
  return { load, publisher, duties, advance: (ms: number) => (t += ms) };
}

describe('AppLoad', () => {
  test('a tick publishes a complete sample with measured CPU when no scenario runs', () => {
    const { load, publisher, advance } = setup('simulate', 3.04);
    load.throughput.hit();
    load.throughput.hit();
    advance(1000);
    const s = load.tick();
    expect(s).toEqual({
      serverId: 'zone1-app-1',
      zone: 'zone1',
      ts: 1_001_000,
      source: 'app',
      cpu: 3,
      memoryMb: 64.4,
      throughput: 2,
      healthy: true,
      scenario: 'off',
    });
    expect(publisher.published).toEqual([s]);
    expect(load.latest()).toEqual(s);
  });

  test('in simulate mode the reported CPU is the curve: High reaches 70–75 % within 15 ticks', () => {
    const { load, advance, duties } = setup('simulate');
    load.setScenario('high');
    const cpus: number[] = [];
    for (let i = 0; i < 15; i++) {
      advance(1000);
      cpus.push(load.tick().cpu);
    }
    expect(cpus[0]).toBe(8);
    expect(cpus.at(-1)).toBeGreaterThanOrEqual(70);
    expect(cpus.at(-1)).toBeLessThanOrEqual(75);
    expect(duties).toEqual([]);
  });

  test('in burn mode the reported CPU is the measurement and the burner duty follows the target', () => {
    const { load, advance, duties } = setup('burn', 0);
    load.setScenario('low');
    advance(1000);
    const s = load.tick();
    expect(s.cpu).toBe(0);
    expect(s.scenario).toBe('low');
    expect(duties[0]).toBeGreaterThan(0.45);
    load.setScenario('off');
    expect(duties.at(-1)).toBe(0);
  });

  test('setting the active scenario again keeps its progress', () => {
    const { load, advance } = setup('simulate');
    expect(load.setScenario('high')).toBe('off');
    advance(3000);
    load.tick();
    expect(load.setScenario('high')).toBe('high');
    expect(load.target()).toBe(24);
  });

  test('history keeps only the last 120 s and subscribers get every new sample', () => {
    const { load, advance } = setup('simulate');
    const seen: number[] = [];
    const off = load.subscribe((s) => seen.push(s.ts));
    for (let i = 0; i < 130; i++) {
      advance(1000);
      load.tick();
    }
    off();
    advance(1000);
    load.tick();
    const h = load.history();
    expect(h.at(-1)!.ts - h[0]!.ts).toBeLessThanOrEqual(HISTORY_MS);
    expect(h.length).toBe(121);
    expect(seen).toHaveLength(130);
  });
});

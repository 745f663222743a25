import { expect, test } from 'bun:test';
import { machineTicks, processCpuMs, statCpuTicks, stealPct } from './cpu.ts';

test('statCpuTicks reads ppid and utime + stime, also when the command name holds spaces and parens', () => {
  const line = '4242 (my (odd) proc) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0 1000 0 0';
  expect(statCpuTicks(line)).toEqual([17, 325]);
  expect(() => statCpuTicks('garbage')).toThrow('not a /proc stat line');
});

test('processCpuMs grows while this process burns CPU', () => {
  const before = processCpuMs(process.pid);
  const until = performance.now() + 60;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  expect(x).toBeGreaterThan(0);
  expect(processCpuMs(process.pid)).toBeGreaterThan(before);
});

test('machineTicks reads steal and the total of the first cpu line; stealPct is its share between readings', () => {
  const at = (steal: number, idle: number) =>
    `cpu  100 0 50 ${idle} 0 0 10 ${steal} 0 0\ncpu0 50 0 25 ${idle / 2} 0 0 5 ${steal / 2} 0 0\n`;
  expect(machineTicks(at(40, 800))).toEqual([40, 1000]);
  expect(stealPct(machineTicks(at(40, 800)), machineTicks(at(70, 870)))).toBe(30); // 30 of 100 ticks
  expect(stealPct([1, 5], [1, 5])).toBeNaN();
  expect(() => machineTicks('intr 1 2 3')).toThrow('no cpu line');
});

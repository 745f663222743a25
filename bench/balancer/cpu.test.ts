import { expect, test } from 'bun:test';
import { processCpuMs, statCpuTicks } from './cpu.ts';

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

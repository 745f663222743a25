import { describe, expect, test } from 'bun:test';
import {
  cpuPercent,
  dockerMemoryBytes,
  dockerReading,
  type ProcStat,
  parseProcStat,
  processTree,
  treeReading,
  type UsageReading,
} from './usage.ts';

const reading = (cpuNs: number, clockNs: number, memoryBytes = 0): UsageReading => ({
  cpuNs,
  clockNs,
  memoryBytes,
});

describe('cpuPercent: % of one core between two readings', () => {
  const cases: [string, UsageReading, UsageReading, number | null][] = [
    ['one core busy for 1 s', reading(0, 0), reading(1e9, 1e9), 100],
    ['half a core over 2 s', reading(5e9, 10e9), reading(6e9, 12e9), 50],
    ['two cores busy (200 %)', reading(0, 0), reading(2e9, 1e9), 200],
    ['idle', reading(3e9, 0), reading(3e9, 1e9), 0],
    ['a counter that went back counts as 0', reading(5e9, 0), reading(4e9, 1e9), 0],
    ['clock did not advance: no figure', reading(0, 1e9), reading(1e9, 1e9), null],
    ['clock went back: no figure', reading(0, 2e9), reading(1e9, 1e9), null],
  ];
  test.each(cases)('%s', (_name, prev, next, want) => {
    const got = cpuPercent(prev, next);
    if (want === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(want, 9);
  });
});

describe('parseProcStat reads proc(5) stat lines', () => {
  // Lines as /proc shows them (the first as read here from `cat /proc/self/stat`), one with a
  // command name holding spaces and parentheses.
  const cat =
    '23913 (cat) R 23911 23911 14963 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 1121975 3133440 377 18446744073709551615 94257701498880 94257701518761 140732089125392 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 94257701534768 94257701536384 94258311323648 140732089129654 140732089129674 140732089129674 140732089130987 0';
  const bun =
    '4242 (bun) S 4200 4242 4242 0 -1 4194560 52310 0 0 0 1234 56 7 8 20 0 12 0 998877 2147483648 12345 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0';
  const odd =
    '77 (my (odd) cmd) R 1 77 77 0 -1 4194304 10 0 0 0 300 200 0 0 20 0 1 0 5000 1000000 250 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0';
  test.each([
    ['cat reading itself', cat, { pid: 23913, ppid: 23911, cpuTicks: 0, rssPages: 377 }],
    ['a bun process', bun, { pid: 4242, ppid: 4200, cpuTicks: 1234 + 56 + 7 + 8, rssPages: 12345 }],
    ['a name with spaces and ")"', odd, { pid: 77, ppid: 1, cpuTicks: 500, rssPages: 250 }],
  ])('%s', (_name, text, want) => {
    expect(parseProcStat(text)).toEqual(want);
  });

  test.each([
    ['empty', ''],
    ['no parentheses', '12 bun S 1 2 3'],
    ['cut short', '12 (bun) S 1 12 12 0 -1 0 0 0 0 0 5 6'],
    ['a non-number', '12 (bun) S x 12 12 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 5 5 5 5 1 1'],
  ])('%s gives null', (_name, text) => {
    expect(parseProcStat(text)).toBeNull();
  });
});

const stat = (pid: number, ppid: number, cpuTicks: number, rssPages: number): ProcStat => ({
  pid,
  ppid,
  cpuTicks,
  rssPages,
});
const table = new Map(
  [
    stat(1, 0, 10, 100),
    stat(100, 1, 50, 1000), // the server's shell
    stat(101, 100, 200, 3000), // its bun child
    stat(102, 101, 30, 500), // a grandchild
    stat(200, 1, 999, 9999), // another server
  ].map((p) => [p.pid, p]),
);

describe('processTree and treeReading sum the whole tree', () => {
  test('the tree of 100 is 100, its child and grandchild, not its siblings', () => {
    expect(processTree(100, table)).toEqual([100, 101, 102]);
  });
  test('a pid not in the table has no tree', () => {
    expect(processTree(4242, table)).toEqual([]);
    expect(treeReading(4242, table, { clockTicks: 100, pageSize: 4096 }, 0)).toBeNull();
  });
  test('CPU ticks become ns (USER_HZ 100), pages become bytes (4 KiB)', () => {
    expect(treeReading(100, table, { clockTicks: 100, pageSize: 4096 }, 7)).toEqual({
      cpuNs: 2.8e9, // 280 ticks / 100 Hz
      clockNs: 7,
      memoryBytes: 4500 * 4096,
    });
  });
  test('two readings of a tree that used 150 ticks in 1.5 s are 100 %', () => {
    const units = { clockTicks: 100, pageSize: 4096 };
    const later = new Map(table);
    later.set(101, stat(101, 100, 350, 3000));
    const a = treeReading(100, table, units, 0) as UsageReading;
    const b = treeReading(100, later, units, 1.5e9) as UsageReading;
    expect(cpuPercent(a, b)).toBeCloseTo(100, 9);
  });
});

describe('Docker stats as `docker stats` computes them', () => {
  // The Docker Engine API reference's example answer (GET /containers/{id}/stats).
  const docs = {
    cpu_stats: {
      cpu_usage: { total_usage: 100215355, percpu_usage: [8646879, 24472255, 36438778, 30657443] },
      system_cpu_usage: 739306590000000,
      online_cpus: 4,
    },
    precpu_stats: {
      cpu_usage: { total_usage: 100093996, percpu_usage: [8646879, 24350896, 36438778, 30657443] },
      system_cpu_usage: 9492140000000,
      online_cpus: 4,
    },
    memory_stats: { usage: 6537216, limit: 67108864, stats: { cache: 0, total_inactive_file: 0 } },
  };
  const formula = (cpu: typeof docs.cpu_stats, pre: typeof docs.precpu_stats) =>
    ((cpu.cpu_usage.total_usage - pre.cpu_usage.total_usage) /
      (cpu.system_cpu_usage - pre.system_cpu_usage)) *
    cpu.online_cpus *
    100;

  test('the documentation example: (cpu_delta / system_cpu_delta) × number_cpus × 100', () => {
    const prev = dockerReading(docs.precpu_stats, docs.memory_stats) as UsageReading;
    const next = dockerReading(docs.cpu_stats, docs.memory_stats) as UsageReading;
    expect(cpuPercent(prev, next)).toBeCloseTo(formula(docs.cpu_stats, docs.precpu_stats), 15);
    expect(cpuPercent(prev, next)).toBeCloseTo(6.6515e-8, 11);
    expect(next.memoryBytes).toBe(6537216);
  });

  test.each([
    ['one of 2 cores busy for 1 s is 100 %', 2, undefined, 1e9, 2e9, 100],
    ['a quarter core on 4 CPUs', 4, undefined, 0.25e9, 4e9, 25],
    ['no online_cpus: the percpu_usage length counts', undefined, [0, 0], 1e9, 2e9, 100],
  ])('%s', (_name, online, percpu, cpuDelta, systemDelta, want) => {
    const at = (total: number, system: number) =>
      dockerReading(
        {
          cpu_usage: { total_usage: total, percpu_usage: percpu },
          system_cpu_usage: system,
          online_cpus: online,
        },
        {},
      ) as UsageReading;
    expect(cpuPercent(at(5e9, 1e12), at(5e9 + cpuDelta, 1e12 + systemDelta))).toBeCloseTo(want, 9);
  });

  test('a stopped container (no system_cpu_usage) has no reading', () => {
    expect(dockerReading({ cpu_usage: { total_usage: 0 } }, {})).toBeNull();
  });

  test.each([
    [
      'cgroup v1: usage − total_inactive_file',
      { usage: 100, stats: { total_inactive_file: 30, cache: 50 } },
      70,
    ],
    ['cgroup v2: usage − inactive_file', { usage: 100, stats: { inactive_file: 40 } }, 60],
    ['older daemons: usage − cache', { usage: 100, stats: { cache: 25 } }, 75],
    ['an inactive_file above usage is ignored', { usage: 100, stats: { inactive_file: 400 } }, 100],
    ['no stats: usage', { usage: 100 }, 100],
    ['no usage: 0', {}, 0],
  ])('memory %s', (_name, mem, want) => {
    expect(dockerMemoryBytes(mem)).toBe(want);
  });
});

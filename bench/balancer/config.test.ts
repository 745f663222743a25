import { expect, test } from 'bun:test';
import { benchConfig } from './config.ts';

test('defaults: 3 rounds of 8 s, every section; env overrides; bad values are refused by name', () => {
  const d = benchConfig({});
  expect([d.ROUNDS, d.SECONDS, d.WARMUP_SECONDS, d.ABUSE_SECONDS, d.PIPELINE_RSS_BOUND_MB]).toEqual([
    3, 8, 2, 60, 256,
  ]);
  expect([...d.SECTIONS]).toEqual(['throughput', 'many', 'killed', 'abuse']);
  const q = benchConfig({
    BENCH_ROUNDS: '1',
    BENCH_SECONDS: '2',
    BENCH_WARMUP_SECONDS: '0',
    BENCH_SECTIONS: 'abuse',
  });
  expect([q.ROUNDS, q.SECONDS, q.WARMUP_SECONDS, [...q.SECTIONS]]).toEqual([1, 2, 0, ['abuse']]);
  expect(() => benchConfig({ BENCH_SECONDS: 'x' })).toThrow('BENCH_SECONDS');
  expect(() => benchConfig({ BENCH_ROUNDS: '0' })).toThrow('BENCH_ROUNDS');
  expect(() => benchConfig({ BENCH_SECTIONS: 'throughput,nope' })).toThrow('unknown section "nope"');
  expect(() => benchConfig({ BENCH_WORKLOADS: 'post1k,nope' })).toThrow('unknown workload "nope"');
  expect(() => benchConfig({ BENCH_TARGETS: 'nginx,nope' })).toThrow('unknown target "nope"');
  expect([...(benchConfig({ BENCH_WORKLOADS: 'post1k, close' }).WORKLOADS ?? [])]).toEqual([
    'post1k',
    'close',
  ]);
  expect(benchConfig({}).WORKLOADS).toBeNull();
  expect([d.STEAL_LIMIT_PCT, d.STEAL_RETRIES]).toEqual([5, 2]);
  const s = benchConfig({ BENCH_STEAL_LIMIT_PCT: '0', BENCH_STEAL_RETRIES: '0' });
  expect([s.STEAL_LIMIT_PCT, s.STEAL_RETRIES]).toEqual([0, 0]);
  expect(() => benchConfig({ BENCH_STEAL_RETRIES: '-1' })).toThrow('BENCH_STEAL_RETRIES');
  expect([...benchConfig({ BENCH_TARGETS: 'haproxy' }).TARGETS]).toEqual(['haproxy']);
});

import { describe, expect, test } from 'bun:test';
import { figures, pairedFigures, type Runs, targetsOf } from './report.ts';
import type { Measured } from './stats.ts';
import { workloads } from './workloads.ts';

/** One run: `rps` req/s, `p99` ms, `cpu` µs a request, `conns` upstream connections a request. */
const run = (rps: number, p99: number, cpu = 20, conns = 0): Measured => ({
  rps,
  p50Ms: p99 / 2,
  p99Ms: p99,
  requests: rps * 8,
  socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
  non2xx: 0,
  cpuUsPerReq: cpu,
  upstreamConnsPerReq: conns,
});

describe('benchmark report', () => {
  const ws = workloads().filter((w) => w.key === 'get50' || w.key === 'conns1000');
  const runs: Runs = new Map([
    [
      'get50',
      new Map([
        ['haproxy', [run(100, 4), run(110, 4), run(90, 4)]],
        ['zonescale round-robin', [run(105, 5), run(100, 4.4), run(95, 4.6)]],
      ]),
    ],
    [
      'conns1000',
      new Map([
        ['haproxy', [run(100, 10), run(100, 10), run(100, 10)]],
        ['zonescale round-robin', [run(90, 10, 20, 0.03), run(95, 11, 20, 0.03), run(99, 12, 20, 0.01)]],
      ]),
    ],
  ]);

  test("issue 10's targets: req/s at or over HAProxy's, p99 within 1.2x, few upstream connections at 1,000 clients", () => {
    const t = targetsOf(runs, ws) as Record<string, Record<string, { value: number; met: boolean }>>;
    expect(t.get50?.rpsVsHaproxy).toMatchObject({ value: 1, met: true }); // medians 100 and 100
    expect(t.get50?.p99VsHaproxy).toMatchObject({ value: 1.15, met: true }); // 4.6 against 4
    expect(t.get50?.upstreamConnsPerReq).toBeUndefined();
    expect(t.conns1000?.rpsVsHaproxy).toMatchObject({ value: 0.95, met: false });
    expect(t.conns1000?.p99VsHaproxy).toMatchObject({ value: 1.1, met: true });
    expect(t.conns1000?.upstreamConnsPerReq).toMatchObject({ value: 0.03, met: false });
  });

  test('per-round ratios to HAProxy, and none without both targets', () => {
    const byTarget = runs.get('get50') as Map<string, Measured[]>;
    // Per round: 105/100, 100/110, 95/90 -> median 1.05.
    expect(pairedFigures(byTarget)).toEqual({ rpsVsHaproxy: 1.05, p99VsHaproxy: 1.15, cpuVsHaproxy: 1 });
    expect(pairedFigures(new Map([['haproxy', [run(1, 1)]]]))).toBeNull();
  });

  test("a target's figures: rounded medians, ratios to HAProxy's, and each round", () => {
    const f = figures(run(105.4, 5, 20.26, 0.00123), [run(105.4, 5)], run(100, 4, 25));
    expect(f).toMatchObject({ rps: 105, cpuUsPerReq: 20.3, upstreamConnsPerReq: 0.0012, failed: 0 });
    expect([f.rpsVsHaproxy, f.p99VsHaproxy, f.cpuVsHaproxy]).toEqual([1.05, 1.25, 0.81]);
    expect(f.rounds).toHaveLength(1);
    expect(figures(run(1, 1), [], undefined).rpsVsHaproxy).toBeNull();
  });
});

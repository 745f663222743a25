/**
 * The concurrency policy (Knative KPA) as a pure function, table-driven: the documentation's
 * worked examples (target 10 and 50 in-flight requests = 5 servers; panic at twice the target in
 * the 6 s window; no scale-down while panicking; panic ends a stable window after its last panic
 * condition; max scale-up rate 1000 and scale-down rate 2; the last server goes only after a whole
 * stable window without traffic and the scale-to-zero grace), then the panic state over ticks.
 */
import { describe, expect, test } from 'bun:test';
import { KNATIVE_DEFAULT_CONCURRENCY_POLICY } from '../../../test/support/policies.ts';
import type { ConcurrencyPolicy } from '../../shared/types.ts';
import {
  type ConcurrencyPoint,
  type ConcurrencyZoneState,
  calmState,
  decideConcurrency,
  type PanicState,
} from './concurrency-policy.ts';

const NOW = 100_000_000;

/** Knative's defaults (target 10, stable 60 s, panic 6 s, 200 %, rates 1000 / 2, grace 30 s; min 0), room to 10,000. */
const KPA: ConcurrencyPolicy = {
  ...KNATIVE_DEFAULT_CONCURRENCY_POLICY,
  maxReplicas: 10_000,
  periodMs: 2_000,
};

/** A per-second series ending at NOW: `older` for the stable window's first 54 s, `recent` for the last 6 s. */
function series(older: number, recent = older): ConcurrencyPoint[] {
  return Array.from({ length: 60 }, (_, i) => ({
    ts: NOW - (59 - i) * 1_000,
    concurrency: i >= 54 ? recent : older,
  }));
}

const zone = (ready: number, s: ConcurrencyPoint[], over: Partial<ConcurrencyZoneState> = {}) => ({
  zone: 'zone1',
  ready,
  series: s,
  lastActiveAt: NOW,
  panic: calmState(),
  ...over,
});

describe('concurrency policy: the Knative documentation worked examples', () => {
  test.each([
    // [case, ready, older, recent, policy overrides, desired, reason]
    ['target 10 with 50 in-flight requests wants 5 servers (stable mode)', 3, 50, 50, {}, 5, 'ScaleUp'],
    ['the same 50 on 1 server is 5x its target in the panic window: panic', 1, 50, 50, {}, 5, 'PanicScaleUp'],
    [
      'the panic window at exactly twice the ready servers enters panic (>= 200 %)',
      2,
      15,
      40,
      {},
      4,
      'PanicScaleUp',
    ],
    ['the panic window below twice the ready servers does not (150 %)', 2, 15, 30, {}, 2, 'DesiredReached'],
    ['max scale-up rate 1000: from 1 server at most 1000', 1, 100_000, 100_000, {}, 1000, 'PanicScaleUp'],
    ['max scale-up rate 2: from 4 servers at most 8', 4, 200, 200, { maxScaleUpRate: 2 }, 8, 'PanicScaleUp'],
    ['max scale-down rate 2: from 8 idle servers at least 4', 8, 0, 0, {}, 4, 'ScaleDown'],
    ['a stable zone at its target keeps its size', 5, 50, 50, {}, 5, 'DesiredReached'],
    ['an idle server under --min-replicas 1 stays', 1, 0, 0, { minReplicas: 1 }, 1, 'AtMinReplicas'],
    ['the maximum caps a stable scale-up', 3, 50, 50, { maxReplicas: 4 }, 4, 'AtMaxReplicas'],
  ] as const)('%s', (_case, ready, older, recent, over, desired, reason) => {
    const d = decideConcurrency(zone(ready, series(older, recent)), { ...KPA, ...over }, NOW);
    expect([d.desired, d.reason]).toEqual([desired, reason]);
  });

  test('the figures: stable and panic means over their windows and the servers each wants', () => {
    const d = decideConcurrency(zone(2, series(15, 40)), KPA, NOW);
    expect(d.kpa).toMatchObject({
      stableConcurrency: (54 * 15 + 6 * 40) / 60,
      panicConcurrency: 40,
      stableDesired: 2,
      panicDesired: 4,
      panicking: true,
      panicSince: NOW,
    });
    expect(d.message).toContain('zone1: concurrency 17.5 stable / 40.0 panic');
  });
});

describe('concurrency policy: scale to zero', () => {
  const idle = (agoMs: number | null, s = series(0)) =>
    zone(1, s, { lastActiveAt: agoMs === null ? null : NOW - agoMs });
  test.each([
    ['no request for the 30 s grace: the last server goes', idle(30_000), 0, 'ScaledToZero'],
    ['a request 29.999 s ago keeps it', idle(29_999), 1, 'ScaleToZeroGrace'],
    ['never any request: it goes', idle(null), 0, 'ScaledToZero'],
    [
      'traffic anywhere in the stable window keeps it (Knative: no traffic for the whole stable window)',
      idle(
        50_000,
        series(0).map((p, i) => (i === 10 ? { ...p, concurrency: 1 } : p)),
      ),
      1,
      'DesiredReached',
    ],
    [
      'at zero without traffic it stays at zero',
      zone(0, series(0), { lastActiveAt: NOW - 120_000 }),
      0,
      'AtZero',
    ],
    ['at zero a request (activation) brings the first server', zone(0, series(0, 3)), 1, 'ScaleUp'],
  ] as const)('%s', (_case, z, desired, reason) => {
    const d = decideConcurrency(z, KPA, NOW);
    expect([d.desired, d.reason]).toEqual([desired, reason]);
  });

  test('an empty window is no data while the zone was active, zero once idle for a stable window', () => {
    expect(decideConcurrency(zone(2, [], { lastActiveAt: NOW - 1_000 }), KPA, NOW).reason).toBe('NoSamples');
    const d = decideConcurrency(zone(1, [], { lastActiveAt: NOW - 60_000 }), KPA, NOW);
    expect([d.desired, d.reason]).toEqual([0, 'ScaledToZero']);
  });
});

describe('concurrency policy: panic mode over ticks', () => {
  /** Runs ticks 2 s apart from NOW: each tick's ready count and the series ending at it. */
  function run(ticks: { ready: number; older: number; recent: number }[]) {
    let panic: PanicState = calmState();
    return ticks.map((t, i) => {
      const now = NOW + i * 2_000;
      const s = series(t.older, t.recent).map((p) => ({ ...p, ts: p.ts + i * 2_000 }));
      const d = decideConcurrency(zone(t.ready, s, { panic, lastActiveAt: now }), KPA, now);
      panic = d.panic;
      return d;
    });
  }

  test('a burst panics, the zone holds while the burst fades, and panic ends a stable window after the last panic condition', () => {
    const burst = { ready: 2, older: 10, recent: 60 }; // 6 wanted in the panic window: 3x the ready servers
    const after = { ready: 6, older: 10, recent: 10 }; // 1 wanted: would shrink, but panicking
    const ticks = [burst, ...Array.from({ length: 31 }, () => after)];
    const out = run(ticks);
    expect([out[0]!.desired, out[0]!.reason]).toEqual([6, 'PanicScaleUp']);
    // Ticks 1..30 are within 60 s of the panic condition at tick 0: no scale-down.
    for (const d of out.slice(1, 31)) expect([d.desired, d.reason]).toEqual([6, 'PanicHold']);
    expect(out[30]!.kpa.panicking).toBe(true); // exactly 60 s later: still (Knative: strictly after)
    const last = out[31]!; // 62 s after the last panic condition
    expect([last.reason, last.kpa.panicking, last.panic.panicSince]).toEqual(['PanicEnded', false, null]);
    expect(last.desired).toBe(3); // floor(6 / max scale-down rate 2)
  });

  test('a second panic condition extends the panic and a larger burst raises the held count', () => {
    const out = run([
      { ready: 2, older: 10, recent: 60 },
      { ready: 6, older: 10, recent: 10 },
      { ready: 6, older: 10, recent: 130 }, // 13 wanted: 13 / 6 >= 2, panic extended
      { ready: 13, older: 10, recent: 10 },
    ]);
    expect(out.map((d) => [d.desired, d.reason])).toEqual([
      [6, 'PanicScaleUp'],
      [6, 'PanicHold'],
      [13, 'PanicScaleUp'],
      [13, 'PanicHold'],
    ]);
    expect(out[2]!.panic).toEqual({ panicSince: NOW + 4_000, maxPanicPods: 13 });
  });
});

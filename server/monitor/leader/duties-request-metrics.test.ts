/**
 * The leader's duties for zones scaled on the balancers' request metrics, against in-memory fakes:
 * multi-metric target tracking reads every server's rps and CPU from the store and names the
 * metric that drove the decision; on the concurrency policy (Knative KPA)
 * the zone reads its per-second in-flight series from the metrics store (balancer samples), a
 * zone at zero (`--min-replicas 0`: it starts there and is never refilled) that sees a burst scales
 * out at once (`PanicScaleUp`), the zone holds while panicking (`PanicHold`, one
 * decision event), leaves panic a stable window later, scales to zero after the grace without
 * traffic (`ScaledToZero`), stays at zero, and an activation restarts the grace.
 */
import { describe, expect, test } from 'bun:test';
import { apps, load, type World, world } from '../../../test/support/leader-world.ts';
import {
  HPA_DEFAULT_TARGET_POLICY,
  KNATIVE_DEFAULT_CONCURRENCY_POLICY,
} from '../../../test/support/policies.ts';
import type { ConcurrencyPolicy, TargetPolicy } from '../../shared/types.ts';

/** Bench-like short windows: 10 s stable, 2 s panic, 5 s grace, scale to zero allowed. */
const KPA: ConcurrencyPolicy = {
  ...KNATIVE_DEFAULT_CONCURRENCY_POLICY,
  stableWindowMs: 10_000,
  panicWindowMs: 2_000,
  scaleToZeroGraceMs: 5_000,
  maxReplicas: 10,
  periodMs: 1_000,
  windowMs: 2_000,
};

/** Balancer samples of every app server of zone1, one a second over the `seconds` before now, `inFlight` each. */
async function traffic(w: World, seconds: number, inFlight: number, rps = 1) {
  const servers = await apps(w, 'zone1');
  const base = w.clock.now - (w.clock.now % 1_000);
  await w.metrics.write(
    servers.flatMap((s) =>
      Array.from({ length: seconds }, (_, i) => ({
        serverId: s.id,
        zone: 'zone1',
        ts: base - (seconds - i) * 1_000,
        source: 'balancer' as const,
        rps,
        inFlight,
      })),
    ),
  );
}

/**
 * In-flight requests `inFlight` in the second before now, measured on no registered server (the
 * zone is at zero): the zone's series sums every balancer sample of the zone.
 */
async function held(w: World, inFlight: number) {
  const ts = w.clock.now - (w.clock.now % 1_000) - 1_000;
  await w.metrics.write([{ serverId: 'held', zone: 'zone1', ts, source: 'balancer', rps: 0, inFlight }]);
}

const decisionOf = (w: World) => w.orch.decisions().get('zone1');

describe('leader duties with the concurrency policy', () => {
  test('a burst panics out at once, holds, leaves panic a stable window later, then scales to zero and stays there', async () => {
    const w = await world({ cfg: { zonePolicies: { zone1: KPA } } });
    await w.orch.runPeriod(1);
    expect((await apps(w, 'zone1')).length).toBe(0); // --min-replicas 0: a new zone starts at zero

    w.clock.now += 10_000;
    await held(w, 30); // 30 in flight, 0 ready (counted as 1): 3 wanted, 3x: panic
    await w.orch.runPeriod(1);
    expect((await apps(w, 'zone1')).length).toBe(3);
    expect(decisionOf(w)).toMatchObject({ reason: 'PanicScaleUp', desired: 3, kpa: { panicking: true } });

    w.clock.now += 1_000;
    await traffic(w, 1, 2); // 6 in flight over 3 servers: 1 wanted, but no scale-down while panicking
    await w.orch.runPeriod(1);
    w.clock.now += 1_000;
    await w.orch.runPeriod(1);
    expect((await apps(w, 'zone1')).length).toBe(3);
    expect(decisionOf(w)).toMatchObject({ reason: 'PanicHold', desired: 3 });

    w.clock.now += 10_000; // more than a stable window since the last panic condition
    await traffic(w, 10, 1);
    await w.orch.runPeriod(1);
    expect(decisionOf(w)).toMatchObject({ reason: 'PanicEnded', kpa: { panicking: false } });

    for (let i = 0; i < 6; i++) {
      w.clock.now += 6_000; // no traffic at all: a whole stable window passes, then the grace
      await w.orch.runPeriod(1);
    }
    expect((await apps(w, 'zone1')).length).toBe(0);
    w.clock.now += 6_000;
    await w.orch.runPeriod(1);
    expect((await apps(w, 'zone1')).length).toBe(0); // at zero on purpose: not refilled
    const events = await w.registry.events(200);
    const z1 = events.filter((e) => e.zone === 'zone1').reverse();
    expect(z1.filter((e) => e.kind === 'decision' && e.reason === 'PanicHold').length).toBe(1);
    expect(z1.filter((e) => e.kind === 'scale-up').map((e) => e.reason)).toEqual([
      'PanicScaleUp',
      'PanicScaleUp',
      'PanicScaleUp',
    ]);
    // One decision added the three servers: each event names its own step, so the log does not
    // read as the same scale-up three times.
    expect(z1.filter((e) => e.kind === 'scale-up').map((e) => e.message.replace(/^.*\(added /, '('))).toEqual(
      ['(zone1-app-1, 1 of 3)', '(zone1-app-2, 2 of 3)', '(zone1-app-3, 3 of 3)'],
    );
    expect(z1.some((e) => e.kind === 'scale-down' && e.reason === 'ScaledToZero')).toBe(true);
  });

  test('an activation restarts the scale-to-zero grace', async () => {
    const w = await world({ cfg: { zonePolicies: { zone1: KPA } } });
    await w.orch.runPeriod(1);
    w.clock.now += 1_000;
    await held(w, 1); // one request in flight at zero: one server
    await w.orch.runPeriod(1);
    expect(decisionOf(w)).toMatchObject({ reason: 'ScaleUp', desired: 1 });
    w.clock.now += 20_000; // idle for longer than the stable window and the grace since that request
    w.orch.activated('zone1', w.clock.now - 1_000);
    await traffic(w, 10, 0); // the balancer's idle seconds
    await w.orch.runPeriod(1);
    expect((await apps(w, 'zone1')).length).toBe(1);
    expect(decisionOf(w)).toMatchObject({
      reason: 'ScaleToZeroGrace',
      kpa: { lastActiveAt: w.clock.now - 1_000 },
    });
    w.clock.now += 5_000;
    await traffic(w, 5, 0);
    await w.orch.runPeriod(1);
    expect(decisionOf(w)?.reason).toBe('ScaledToZero');
    expect((await apps(w, 'zone1')).length).toBe(0);
  });
});

describe('leader duties with multi-metric target tracking', () => {
  test('rps per server above its target drives the scale-out, and the decision names it', async () => {
    const target: TargetPolicy = {
      ...HPA_DEFAULT_TARGET_POLICY,
      metrics: [
        { name: 'cpu', target: 50 },
        { name: 'rps', target: 100 },
      ],
      initializationMs: 0,
      windowMs: 10_000,
    };
    const w = await world({ cfg: { zonePolicies: { zone1: target } } });
    await w.orch.runPeriod(1);
    w.clock.now += 20_000;
    await load(w, 'zone1-app-1', 'zone1', 40); // CPU alone would keep 1
    await traffic(w, 10, 3, 250); // 250 req/s against 100: 3 servers
    await w.orch.runPeriod(1);
    expect(decisionOf(w)).toMatchObject({ desired: 3, reason: 'AboveTarget', metric: 'rps' });
    expect(decisionOf(w)?.message).toContain('rps drives');
    expect((await apps(w, 'zone1')).length).toBe(3);
  });
});

/**
 * The activator with fake held requests, a fake leader and a fake probe (real timers, short
 * timings): queue bound, timeout, one leader call for many held requests with back-off on failure,
 * in-order release once a joined server passes its immediate health check, refusal, gone clients.
 */
import { describe, expect, test } from 'bun:test';
import { silentLogger } from '../shared/logger.ts';
import { type ActivateOutcome, Activator, type ActivatorDeps, type HeldRequest } from './activator.ts';

interface Fake extends HeldRequest {
  id: number;
  outcome: null | 'resumed' | { status: number; error: string; retryAfterS?: number };
  isGone: boolean;
}

function held(id: number, order: number[]): Fake {
  const f: Fake = {
    id,
    outcome: null,
    isGone: false,
    resume() {
      f.outcome = 'resumed';
      order.push(id);
    },
    reject(status, error, _message, retryAfterS) {
      f.outcome = { status, error, retryAfterS };
    },
    gone: () => f.isGone,
  };
  return f;
}

function setup(over: Partial<ActivatorDeps> = {}) {
  const alive: string[] = [];
  const asks: number[] = [];
  let probeUp = true;
  let activate: () => Promise<ActivateOutcome> = async () => 'accepted';
  const a = new Activator({
    zone: 'zone1',
    maxQueue: 100,
    timeoutMs: 5_000,
    alive: () => alive,
    probe: async () => probeUp,
    activate: () => {
      asks.push(Date.now());
      return activate();
    },
    hasLeader: () => true,
    now: Date.now,
    log: silentLogger,
    tickMs: 5,
    ...over,
  });
  return {
    a,
    alive,
    asks,
    setProbe: (up: boolean) => (probeUp = up),
    setActivate: (f: () => Promise<ActivateOutcome>) => (activate = f),
  };
}

const until = async (cond: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await Bun.sleep(5);
  return cond();
};

describe('activator', () => {
  test('beyond the queue bound a request gets 503 activation_queue_full with Retry-After 1', () => {
    const { a } = setup({ maxQueue: 2 });
    const order: number[] = [];
    const hs = [1, 2, 3].map((i) => held(i, order));
    for (const h of hs) a.hold(h);
    expect(a.size).toBe(2);
    expect(hs[2]?.outcome).toEqual({ status: 503, error: 'activation_queue_full', retryAfterS: 1 });
    expect(hs[0]?.outcome).toBeNull();
    a.stop();
  });

  test('a request held past the timeout gets 503 activation_timeout with Retry-After 5', async () => {
    const { a } = setup({ timeoutMs: 60 });
    const h = held(1, []);
    a.hold(h);
    expect(await until(() => h.outcome !== null)).toBe(true);
    expect(h.outcome).toEqual({ status: 503, error: 'activation_timeout', retryAfterS: 5 });
    expect(a.activating).toBe(false);
  });

  test('many held requests ask the leader once, and held ones resume in order once a server is up', async () => {
    const { a, alive, asks } = setup();
    const order: number[] = [];
    const hs = Array.from({ length: 50 }, (_, i) => held(i, order));
    for (const h of hs) a.hold(h);
    expect(a.activating).toBe(true);
    await Bun.sleep(50);
    expect(asks).toHaveLength(1);
    expect(hs.every((h) => h.outcome === null)).toBe(true);
    alive.push('http://127.0.0.1:9101');
    expect(await until(() => order.length === 50)).toBe(true);
    expect(order).toEqual(hs.map((h) => h.id));
    expect(a.activating).toBe(false);
  });

  test('a joined server that fails its immediate health check does not release the held requests', async () => {
    const { a, alive, setProbe } = setup();
    setProbe(false);
    const h = held(1, []);
    a.hold(h);
    alive.push('http://127.0.0.1:9101');
    await Bun.sleep(60);
    expect(h.outcome).toBeNull();
    setProbe(true);
    expect(await until(() => h.outcome === 'resumed')).toBe(true);
  });

  test('a failed leader call is retried with back-off while requests are held', async () => {
    const { a, asks, setActivate, alive } = setup();
    let fails = 2;
    setActivate(async () => {
      if (fails-- > 0) throw new Error('unreachable');
      return 'accepted';
    });
    a.hold(held(1, []));
    expect(await until(() => asks.length >= 3, 3_000)).toBe(true);
    // Back-off: 250 ms after the first failure, 500 ms after the second.
    expect((asks[1] as number) - (asks[0] as number)).toBeGreaterThanOrEqual(200);
    expect((asks[2] as number) - (asks[1] as number)).toBeGreaterThanOrEqual(450);
    alive.push('http://127.0.0.1:9101');
    expect(await until(() => !a.activating)).toBe(true);
  });

  test('a leader that refuses ends the wait: held requests get 503 no_available_server', async () => {
    const { a, setActivate } = setup();
    setActivate(async () => 'refused');
    const h = held(1, []);
    a.hold(h);
    expect(await until(() => h.outcome !== null)).toBe(true);
    expect(h.outcome).toEqual({ status: 503, error: 'no_available_server', retryAfterS: undefined });
  });

  test('a client that went away while held is answered 499 and dropped; the others stay', async () => {
    const { a } = setup();
    const hs = [held(1, []), held(2, [])];
    for (const h of hs) a.hold(h);
    (hs[0] as Fake).isGone = true;
    expect(await until(() => a.size === 1)).toBe(true);
    expect(hs[0]?.outcome).toEqual({ status: 499, error: 'client_closed', retryAfterS: undefined });
    expect(hs[1]?.outcome).toBeNull();
    a.stop();
    expect(hs[1]?.outcome).toEqual({ status: 503, error: 'shutting_down', retryAfterS: undefined });
  });

  test('without a leader, or with a queue of 0, nothing is held', () => {
    expect(setup({ hasLeader: () => false }).a.accepts()).toBe(false);
    expect(setup({ maxQueue: 0 }).a.accepts()).toBe(false);
    expect(setup().a.accepts()).toBe(true);
  });
});

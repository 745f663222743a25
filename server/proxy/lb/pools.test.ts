/** Pools: every transition of the source design, with timings driven by an injected `now`. */
import { describe, expect, test } from 'bun:test';
import { Pools } from './pools.ts';

const A = 'http://127.0.0.1:9101';
const B = 'http://127.0.0.1:9102';
const opts = { checkIntervalMs: 10_000, recheckIntervalMs: 30_000, deadAfter: 3 };

describe('Pools membership', () => {
  test('initial servers start alive with since = now', () => {
    const p = new Pools(opts, [A, B], 1_000);
    expect(p.alive()).toEqual([A, B]);
    expect(p.view().alive).toEqual([
      { url: A, inFlight: 0, since: 1_000 },
      { url: B, inFlight: 0, since: 1_000 },
    ]);
  });

  test('adding a server already present in any pool is a no-op', () => {
    const p = new Pools(opts, [A], 0);
    expect(p.add(A, 5)).toEqual([]);
    p.setStatus(A, false, 10);
    expect(p.add(A, 20)).toEqual([]);
    expect(p.stateOf(A)).toBe('disconnected');
  });

  test('removing drains a server from whichever pool holds it', () => {
    const p = new Pools(opts, [A, B], 0);
    p.setStatus(B, false, 1);
    expect(p.remove(A)).toEqual([{ url: A, from: 'alive', to: null, reason: 'removed' }]);
    expect(p.remove(B)).toEqual([{ url: B, from: 'disconnected', to: null, reason: 'removed' }]);
    expect(p.counts()).toEqual({ alive: 0, disconnected: 0, dead: 0 });
    expect(p.remove(A)).toEqual([]);
  });

  test('in-flight counts survive removal and are released when requests finish', () => {
    const p = new Pools(opts, [A], 0);
    p.acquire(A);
    p.acquire(A);
    expect(p.view().alive[0]?.inFlight).toBe(2);
    p.remove(A);
    expect(p.inFlightOf(A)).toBe(2);
    p.release(A);
    p.release(A);
    expect(p.inFlightOf(A)).toBe(0);
  });
});

describe('Pools health transitions', () => {
  test('a failed check moves an alive server to disconnected', () => {
    const p = new Pools(opts, [A], 0);
    expect(p.setStatus(A, false, 10_000)).toEqual([
      { url: A, from: 'alive', to: 'disconnected', reason: 'check-failed' },
    ]);
    expect(p.view().disconnected).toEqual([{ url: A, failedRechecks: 0, since: 10_000 }]);
    expect(p.alive()).toEqual([]);
  });

  test('a passed check keeps an alive server alive without changing since', () => {
    const p = new Pools(opts, [A], 0);
    expect(p.setStatus(A, true, 10_000)).toEqual([]);
    expect(p.view().alive[0]?.since).toBe(0);
  });

  test('a passed recheck brings a disconnected server back to alive', () => {
    const p = new Pools(opts, [A], 0);
    p.setStatus(A, false, 10_000);
    expect(p.setStatus(A, true, 40_000)).toEqual([
      { url: A, from: 'disconnected', to: 'alive', reason: 'check-passed' },
    ]);
    expect(p.view().alive).toEqual([{ url: A, inFlight: 0, since: 40_000 }]);
  });

  test('a disconnected server is dead after deadAfter failed rechecks, not before', () => {
    const p = new Pools(opts, [A], 0);
    p.setStatus(A, false, 10_000);
    expect(p.setStatus(A, false, 40_000)[0]?.reason).toBe('recheck-failed');
    expect(p.setStatus(A, false, 70_000)[0]?.reason).toBe('recheck-failed');
    expect(p.view().disconnected[0]?.failedRechecks).toBe(2);
    expect(p.setStatus(A, false, 100_000)).toEqual([
      { url: A, from: 'disconnected', to: 'dead', reason: 'dead' },
    ]);
    expect(p.view().dead).toEqual([{ url: A, since: 100_000 }]);
  });

  test('failed rechecks restart from zero after the server came back', () => {
    const p = new Pools(opts, [A], 0);
    p.setStatus(A, false, 1);
    p.setStatus(A, false, 2);
    p.setStatus(A, false, 3);
    p.setStatus(A, true, 4);
    p.setStatus(A, false, 5);
    expect(p.view().disconnected[0]?.failedRechecks).toBe(0);
  });

  test('probe results for dead or unknown servers are ignored', () => {
    const p = new Pools({ ...opts, deadAfter: 1 }, [A], 0);
    p.setStatus(A, false, 1);
    p.setStatus(A, false, 2);
    expect(p.stateOf(A)).toBe('dead');
    expect(p.setStatus(A, true, 3)).toEqual([]);
    expect(p.setStatus(B, true, 3)).toEqual([]);
    expect(p.stateOf(A)).toBe('dead');
  });
});

describe('Pools check schedule', () => {
  test('alive servers are due every checkIntervalMs', () => {
    const p = new Pools(opts, [A], 0);
    expect(p.takeDue(9_999)).toEqual([]);
    expect(p.takeDue(10_000)).toEqual([A]);
    expect(p.takeDue(10_001)).toEqual([]);
    expect(p.takeDue(19_999)).toEqual([]);
    expect(p.takeDue(20_000)).toEqual([A]);
  });

  test('disconnected servers are due every recheckIntervalMs from when they entered the pool', () => {
    const p = new Pools(opts, [A], 0);
    p.setStatus(A, false, 10_000);
    expect(p.takeDue(39_999)).toEqual([]);
    expect(p.takeDue(40_000)).toEqual([A]);
    expect(p.takeDue(60_000)).toEqual([]);
    expect(p.takeDue(70_000)).toEqual([A]);
  });

  test('a server back in alive is next checked checkIntervalMs later', () => {
    const p = new Pools(opts, [A], 0);
    p.setStatus(A, false, 10_000);
    p.setStatus(A, true, 40_000);
    expect(p.takeDue(49_999)).toEqual([]);
    expect(p.takeDue(50_000)).toEqual([A]);
  });

  test('dead servers are never due', () => {
    const p = new Pools({ ...opts, deadAfter: 1 }, [A], 0);
    p.setStatus(A, false, 0);
    p.setStatus(A, false, 0);
    expect(p.takeDue(1_000_000)).toEqual([]);
  });

  test('the full source-design timeline: alive → disconnected → dead in 10 s + 3 × 30 s', () => {
    const p = new Pools(opts, [A], 0);
    const down = (now: number) => {
      for (const u of p.takeDue(now)) p.setStatus(u, false, now);
    };
    for (let t = 0; t <= 100_000; t += 1_000) {
      down(t);
      if (t < 10_000) expect(p.stateOf(A)).toBe('alive');
      else if (t < 100_000) expect(p.stateOf(A)).toBe('disconnected');
    }
    expect(p.stateOf(A)).toBe('dead');
  });
});

describe('Pools passive outlier detection', () => {
  test('one connection failure ejects an alive server at once by default', () => {
    const p = new Pools(opts, [A, B], 0);
    expect(p.recordFailure(A, 5)).toEqual([{ url: A, from: 'alive', to: 'disconnected', reason: 'outlier' }]);
    expect(p.alive()).toEqual([B]);
  });

  test('with a threshold of 3, only three consecutive failures eject', () => {
    const p = new Pools({ ...opts, outlierThreshold: 3 }, [A], 0);
    expect(p.recordFailure(A, 1)).toEqual([]);
    expect(p.recordFailure(A, 2)).toEqual([]);
    p.recordSuccess(A);
    expect(p.recordFailure(A, 3)).toEqual([]);
    expect(p.recordFailure(A, 4)).toEqual([]);
    expect(p.recordFailure(A, 5)[0]?.to).toBe('disconnected');
  });

  test('failures on a server that is not alive change nothing', () => {
    const p = new Pools(opts, [A], 0);
    p.setStatus(A, false, 1);
    expect(p.recordFailure(A, 2)).toEqual([]);
    expect(p.view().disconnected[0]?.failedRechecks).toBe(0);
  });
});

describe('Pools dead report', () => {
  test('dead servers are dropped only by a successful report, and only if still dead', () => {
    const p = new Pools({ ...opts, deadAfter: 1 }, [A, B], 0);
    for (const u of [A, B]) {
      p.setStatus(u, false, 1);
      p.setStatus(u, false, 2);
    }
    expect(p.dead()).toEqual([A, B]);
    p.remove(B);
    expect(p.dropReported([A, B])).toEqual([{ url: A, from: 'dead', to: null, reason: 'reported' }]);
    expect(p.dead()).toEqual([]);
  });

  test('without a report the dead pool is kept', () => {
    const p = new Pools({ ...opts, deadAfter: 1 }, [A], 0);
    p.setStatus(A, false, 1);
    p.setStatus(A, false, 2);
    expect(p.dead()).toEqual([A]);
    expect(p.counts()).toEqual({ alive: 0, disconnected: 0, dead: 1 });
  });
});

describe('active checks and live traffic', () => {
  const opts = { checkIntervalMs: 1_000, recheckIntervalMs: 1_000, deadAfter: 3 };
  test('a failed check within one interval of a live success is ignored (a saturated balancer does not eject)', () => {
    const p = new Pools(opts, ['a'], 0);
    p.recordSuccess('a', 5_000);
    expect(p.setStatus('a', false, 5_900)).toEqual([]);
    expect(p.stateOf('a')).toBe('alive');
    expect(p.setStatus('a', false, 6_000)).toEqual([
      { url: 'a', from: 'alive', to: 'disconnected', reason: 'check-failed' },
    ]);
  });

  test('without live traffic a failed check disconnects at once', () => {
    const p = new Pools(opts, ['a'], 0);
    expect(p.setStatus('a', false, 100)[0]?.to).toBe('disconnected');
  });
});

describe('Pools join time (slow start)', () => {
  test('aliveSince is when a server was added, restarts when it comes back from disconnected, and is undefined otherwise', () => {
    const p = new Pools(opts, [A], 1_000);
    p.add(B, 2_000);
    expect(p.aliveSince(A)).toBe(1_000);
    expect(p.aliveSince(B)).toBe(2_000);
    p.setStatus(B, false, 5_000);
    expect(p.aliveSince(B)).toBeUndefined();
    p.setStatus(B, true, 9_000);
    expect(p.aliveSince(B)).toBe(9_000);
    p.remove(A);
    expect(p.aliveSince(A)).toBeUndefined();
  });
});

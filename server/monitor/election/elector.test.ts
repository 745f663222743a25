/**
 * The election driver over an in-memory network and registry: three replicas agree on the highest
 * id and fail over with a higher term, a late replica follows a healthy leader, a fenced leader
 * follows the new one, a leader fenced with a term never stored is re-elected above it, and claims
 * that keep losing or failing back off instead of spinning.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { MemoryRegistry } from '../../adapters/registry-memory.ts';
import { silentLogger } from '../../shared/logger.ts';
import { Elector } from './elector.ts';
import type { PeerClient } from './peers.ts';
import type { Peer } from './state.ts';

const timings = { probeIntervalMs: 60, electionTimeoutMs: 40, periodMs: 100 };
const peers: Peer[] = [1, 2, 3].map((id) => ({ id, url: `mem://${id}` }));

/**
 * A registry that counts claims; `loseClaims` makes every claim lose. After 200 claims it throws, so
 * a claim loop that never yields to the event loop (the defect) ends and the test fails on the count
 * instead of hanging the test runner.
 */
class CountingRegistry extends MemoryRegistry {
  claims = 0;
  loseClaims = false;
  failClaims = false;
  override async claimLeadership(...args: Parameters<MemoryRegistry['claimLeadership']>): Promise<boolean> {
    if (++this.claims > 200) throw new Error('claim loop: over 200 claims');
    if (this.failClaims) throw new Error('registry down');
    return this.loseClaims ? false : super.claimLeadership(...args);
  }
}

/** Three electors sharing one registry, talking through an in-memory network where `down` ids do not answer. */
function network() {
  const registry = new CountingRegistry();
  const nodes = new Map<number, Elector>();
  const down = new Set<number>();
  const led: { id: number; term: number }[] = [];
  const idOf = (url: string) => Number(url.slice('mem://'.length));
  const client: PeerClient = {
    async health(url) {
      const n = nodes.get(idOf(url));
      if (!n || down.has(idOf(url))) return null;
      const s = n.status();
      return { status: 'ok', id: idOf(url), role: s.role, term: s.term, leaderId: s.leader?.id ?? null };
    },
    async election(url, body) {
      const n = nodes.get(idOf(url));
      if (!n || down.has(idOf(url))) return false;
      n.receiveElection(body.from);
      return true;
    },
    async coordinator(url, body) {
      const n = nodes.get(idOf(url));
      if (!n || down.has(idOf(url))) return 'failed';
      return n.receiveCoordinator({ id: body.leader, url: body.url, term: body.term }).accepted
        ? 'ok'
        : 'stale';
    },
  };
  const add = (id: number) => {
    const e = new Elector(peers[id - 1]!, peers, timings, {
      registry,
      peers: client,
      log: silentLogger,
      tickMs: 10,
      onBecameLeader: (term) => led.push({ id, term }),
      onSteppedDown: () => {},
    });
    nodes.set(id, e);
    return e;
  };
  const crash = (id: number) => {
    down.add(id);
    nodes.get(id)?.stop();
  };
  const stopAll = () => {
    for (const n of nodes.values()) n.stop();
  };
  return { registry, nodes, add, crash, led, stopAll };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 3_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await Bun.sleep(10);
  }
  throw new Error(`timed out: ${what}`);
}

describe('elector (election driver over an in-memory network)', () => {
  let net: ReturnType<typeof network> | null = null;
  afterEach(() => net?.stopAll());

  test('three replicas agree on the highest id; when it crashes the next one wins with a higher term', async () => {
    net = network();
    const [a, b, c] = [net.add(1), net.add(2), net.add(3)];
    await Promise.all([a.start(), b.start(), c.start()]);
    await until(
      '3 leads and the others follow it',
      () => c.status().role === 'leader' && a.status().leader?.id === 3 && b.status().leader?.id === 3,
    );
    const term = c.status().term;
    net.crash(3);
    await until('2 leads', () => b.status().role === 'leader' && a.status().leader?.id === 2);
    expect(b.status().term).toBe(term + 1);
    expect((await net.registry.leader())?.id).toBe(2);
    expect(net.led.map((l) => l.id)).toEqual([3, 2]);
  });

  test('a replica started while a healthy leader holds the term follows it without a new election', async () => {
    net = network();
    const [a, b] = [net.add(1), net.add(2)];
    net.crash(3);
    await Promise.all([a.start(), b.start()]);
    await until('2 leads', () => b.status().role === 'leader' && a.status().leader?.id === 2);
    const term = b.status().term;
    net.nodes.delete(1);
    a.stop();
    const again = net.add(1);
    await again.start();
    await Bun.sleep(200);
    expect(again.status()).toMatchObject({ role: 'follower', term, leader: { id: 2, term } });
    expect(b.status().term).toBe(term);
  });

  test('a leader fenced by a newer stored term steps down and follows the new leader', async () => {
    net = network();
    const c = net.add(3);
    await c.start();
    await until('3 leads', () => c.status().role === 'leader');
    const term = c.status().term;
    await net.registry.claimLeadership(term, { id: 2, url: 'mem://2', term: term + 1, since: Date.now() });
    c.fenced(term + 1);
    expect(c.status().role).toBe('follower');
    await until('3 learns the new leader', () => c.status().leader?.id === 2);
  });

  test.each([
    ['one above the stored term (a balancer)', 1],
    ['far above it (the gateway)', 1_000],
  ])(
    'a leader fenced with a term %s that the registry never stored is re-elected above it, without spinning',
    async (_c, jump) => {
      net = network();
      const [a, b, c] = [net.add(1), net.add(2), net.add(3)];
      await Promise.all([a.start(), b.start(), c.start()]);
      await until('3 leads', () => c.status().role === 'leader' && a.status().leader?.id === 3);
      const stored = (await net.registry.leader())!.term;
      net.registry.claims = 0;
      c.fenced(stored + jump);
      const above = stored + jump;
      await until(
        'a leader above the bogus term that everyone follows',
        async () =>
          (await net!.registry.leader())!.term > above &&
          [a, b, c].every((e) => e.status().leader?.id === 3 && e.status().term === c.status().term),
      );
      expect(c.status()).toMatchObject({ role: 'leader', term: above + 1 });
      expect((await net.registry.leader())?.term).toBe(above + 1);
      // One more election: one claim (a lower replica may race one in).
      expect(net.registry.claims).toBeLessThanOrEqual(3);
    },
  );

  test.each([
    ['keep losing', 'loseClaims'],
    ['keep failing (registry down)', 'failClaims'],
  ] as const)(
    'claims that %s back off instead of spinning, and the replica keeps serving its status',
    async (_c, mode) => {
      net = network();
      net.registry[mode] = true;
      const c = net.add(3);
      await c.start();
      await Bun.sleep(500);
      // Election timeout 40 ms: claims at 0, 40, 120, 280 ms (back-off doubling), then 600 ms.
      expect(net.registry.claims).toBeGreaterThanOrEqual(2);
      expect(net.registry.claims).toBeLessThanOrEqual(6);
      expect(c.status().role).toBe('candidate');
    },
  );
});

import { afterEach, describe, expect, test } from 'bun:test';
import { MemoryRegistry } from '../../adapters/registry-memory.ts';
import { silentLogger } from '../../shared/logger.ts';
import { Elector } from './elector.ts';
import type { PeerClient } from './peers.ts';
import type { Peer } from './state-machine.ts';

const timings = { probeIntervalMs: 60, electionTimeoutMs: 40, periodMs: 100 };
const peers: Peer[] = [1, 2, 3].map((id) => ({ id, url: `mem://${id}` }));

/** Three electors sharing one registry, talking through an in-memory network where `down` ids do not answer. */
function network() {
  const registry = new MemoryRegistry();
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
});

/**
 * The Redis registry against the real Redis of scripts/services.sh: the shared registry contract
 * (each case on a fresh key prefix), then what only a shared server shows — two clients on one
 * prefix see each other's writes and racing claims from two clients have one winner — and that a
 * Redis restart keeps everything (append-only file). Fails with CI=true when Redis is absent.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { RedisRegistry } from '../../server/adapters/redis/registry-redis.ts';
import { event, leaderAt, record, registryContract } from '../../server/adapters/registry.contract.ts';
import { eventually, RUN_ID, requireService, SERVICES, serviceCtl, serviceUp } from './services.ts';

const ok = await requireService('redis');
let n = 0;
const prefix = () => `zonescale-test:${RUN_ID}:${++n}:`;
const opened: RedisRegistry[] = [];
const open = (p: string) => {
  const r = new RedisRegistry({ url: SERVICES.redisUrl, prefix: p });
  opened.push(r);
  return r;
};
afterAll(async () => {
  for (const r of opened) await r.close();
});

if (ok) registryContract('redis', () => new RedisRegistry({ url: SERVICES.redisUrl, prefix: prefix() }));

describe.skipIf(!ok)('Redis registry on a shared server', () => {
  test('two clients on one prefix see each other’s writes, and a racing claim has one winner', async () => {
    const p = prefix();
    const a = open(p);
    const b = open(p);
    await a.claimLeadership(0, leaderAt(1, 1));
    await a.putContainer(record('zone1-app-1', 'zone1', 1), 1);
    expect(await b.container('zone1-app-1')).toEqual(record('zone1-app-1', 'zone1', 1));
    const wins = await Promise.all([
      a.claimLeadership(1, leaderAt(2, 2)),
      b.claimLeadership(1, leaderAt(3, 2)),
    ]);
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  test('moving a container to another zone updates both zone indexes in one step', async () => {
    const r = open(prefix());
    await r.putContainer(record('x', 'zone1', 1), 0);
    await r.putContainer(record('x', 'zone2', 1), 0);
    expect(await r.containers('zone1')).toEqual([]);
    expect((await r.containers('zone2')).map((c) => c.id)).toEqual(['x']);
  });

  test('Redis restarted: leader, containers and events are intact (append-only file)', async () => {
    const p = prefix();
    const r = open(p);
    await r.claimLeadership(0, leaderAt(3, 7));
    await r.putContainer(record('zone2-app-4', 'zone2', 5), 7);
    await r.appendEvent(event('e-restart', 5, 7), 7);
    await serviceCtl('down', 'redis');
    expect(await serviceUp('redis')).toBe(false);
    await serviceCtl('up', 'redis');
    const fresh = open(p);
    expect(await eventually(async () => (await fresh.leader()) !== null, 10_000)).toBe(true);
    expect(await fresh.leader()).toEqual(leaderAt(3, 7));
    expect(await fresh.containers('zone2')).toEqual([record('zone2-app-4', 'zone2', 5)]);
    expect((await fresh.events(5)).map((e) => e.id)).toEqual(['e-restart']);
    // The client that was connected before the restart reconnects by itself.
    expect(await eventually(async () => (await r.container('zone2-app-4')) !== null, 10_000)).toBe(true);
  }, 60_000);
});

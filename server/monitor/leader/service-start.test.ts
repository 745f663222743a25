/**
 * The leader running the user's service (in-memory fakes, `test/support/leader-world.ts`): the spec
 * it hands the runtime and the balancers, and the bad starts — a command that exits at once, an
 * image the runtime refuses, a health path that never answers — each a `ServiceFailedToStart`
 * event quoting the log tail, the zone backing off exponentially (capped) and keeping its other
 * servers.
 */
import { describe, expect, test } from 'bun:test';
import { apps, type World, world } from '../../../test/support/leader-world.ts';
import { thresholdPolicy } from '../../../test/support/policies.ts';
import type { ServiceSpec } from '../../adapters/runtime.ts';
import { silentLogger } from '../../shared/logger.ts';
import type { HealthWait } from './context.ts';
import { LeaderDuties } from './duties.ts';

const SERVICE: ServiceSpec = {
  command: 'python3 server.py',
  env: { MODE: 'fast' },
  healthPath: '/healthz',
  healthIntervalMs: 500,
  readinessDelayMs: 0,
};

/** A world running `SERVICE` whose health wait honours `alive()` (an exited container never answers) and records each wait. */
async function serviceWorld(zone1Min = 1): Promise<World & { waits: [string, HealthWait | undefined][] }> {
  const waits: [string, HealthWait | undefined][] = [];
  let w: World | null = null;
  const base = thresholdPolicy({ periodMs: 10_000, windowMs: 10_000, scaleDownStabilizationMs: 0 });
  w = await world({
    cfg: {
      service: SERVICE,
      startBackoff: { baseMs: 2_000, capMs: 8_000 },
      zonePolicies: { zone1: { ...base, minReplicas: zone1Min } },
    },
    deps: {
      waitHealthy: async (url, _ms, wait) => {
        waits.push([url, wait]);
        return !w?.down.has(url) && ((await wait?.alive?.()) ?? true);
      },
    },
  });
  return Object.assign(w, { waits });
}

const failures = async (w: World, zone = 'zone1') =>
  (await w.registry.events(500))
    .filter((e) => e.reason === 'ServiceFailedToStart' && e.zone === zone)
    .reverse();
const startsOf = (w: World, zone: string) =>
  w.runtime.specs.filter((s) => s.role === 'app' && s.zone === zone);

describe('the leader runs the user’s service', () => {
  test('each app server gets the service spec, no demo flags, its identity and not the cluster token', async () => {
    const w = await serviceWorld();
    await w.orch.runPeriod(1);
    const spec = w.runtime.lastSpec('zone1-app-1');
    expect(spec).toMatchObject({ role: 'app', port: 19102, args: [], service: SERVICE });
    expect(spec?.env).toEqual({ ZONESCALE_SERVER_ID: 'zone1-app-1', ZONESCALE_ZONE: 'zone1' });
    expect(w.waits.find(([u]) => u === 'http://127.0.0.1:19102')?.[1]?.path).toBe('/healthz');
    expect((await apps(w, 'zone1')).map((a) => a.runtimeId)).toEqual(['mem-2']);
  });

  test("balancers probe the service's health path at its interval (after the cluster's own flags)", async () => {
    const w = await serviceWorld();
    await w.orch.runPeriod(1);
    expect(w.runtime.lastSpec('zone2-balancer')?.args.slice(-6)).toEqual([
      '--check-interval-ms',
      '1000',
      '--health-path',
      '/healthz',
      '--check-interval-ms',
      '500',
    ]);
  });
});

describe('a service that does not come up', () => {
  test('one that exits at once: ServiceFailedToStart with the log tail; the zone keeps its other servers', async () => {
    const w = await serviceWorld(2);
    w.runtime.onStart = (s) =>
      s.id === 'zone1-app-2'
        ? { running: false, log: 'starting\nTraceback (most recent call last):\nKeyError: DB_URL' }
        : undefined;
    await w.orch.runPeriod(1);
    const [ev] = await failures(w);
    expect(ev?.serverId).toBe('zone1-app-2');
    expect(ev?.message).toContain(
      'zone1-app-2 exited before answering its health check (GET http://127.0.0.1:19103/healthz)',
    );
    expect(ev?.message).toContain('next start in 2000 ms (failure 1 in a row)');
    expect(ev?.message).toContain(
      'last log lines: starting | Traceback (most recent call last): | KeyError: DB_URL',
    );
    expect(w.runtime.stopped).toContain('zone1-app-2');
    expect(await w.registry.container('zone1-app-2')).toBeNull();
    // zone1 keeps its first server, in the registry and on its balancer; the other zones were served too
    expect((await apps(w, 'zone1')).map((a) => a.id)).toEqual(['zone1-app-1']);
    expect([...(w.balancers.balancers.get('http://127.0.0.1:18001')?.alive ?? [])]).toEqual([
      'http://127.0.0.1:19102',
    ]);
    expect((await apps(w, 'zone3')).length).toBe(1);
  });

  test('retries back off exponentially, capped, and a success resets the back-off', async () => {
    const w = await serviceWorld();
    let crash = true;
    w.runtime.onStart = (s) =>
      s.role === 'app' && s.zone === 'zone1' && crash ? { running: false } : undefined;
    const t0 = w.clock.now;
    // A period every second for 30 s: starts happen only when the back-off allows.
    const startedAt: number[] = [];
    for (let t = 0; t <= 30_000; t += 1_000) {
      w.clock.now = t0 + t;
      const before = startsOf(w, 'zone1').length;
      await w.orch.runPeriod(1);
      if (startsOf(w, 'zone1').length > before) startedAt.push(t);
    }
    // failure n waits min(2 s * 2^(n-1), 8 s): 2, 4, 8, 8, 8 s
    expect(startedAt).toEqual([0, 2_000, 6_000, 14_000, 22_000, 30_000]);
    expect((await failures(w)).map((e) => /next start in (\d+) ms/.exec(e.message)?.[1])).toEqual([
      '2000',
      '4000',
      '8000',
      '8000',
      '8000',
      '8000',
    ]);
    crash = false;
    w.clock.now = t0 + 38_000;
    await w.orch.runPeriod(1);
    expect((await apps(w, 'zone1')).length).toBe(1);
    crash = true;
    await w.runtime.stop((await apps(w, 'zone1'))[0]!.id);
    await w.registry.removeContainer((await apps(w, 'zone1'))[0]!.id, 1);
    await w.orch.runPeriod(1);
    expect((await failures(w)).at(-1)?.message).toContain('next start in 2000 ms (failure 1 in a row)');
  });

  test('an image the runtime refuses (no such image): ServiceFailedToStart with the runtime’s error', async () => {
    const w = await serviceWorld();
    w.runtime.onStart = (s) => {
      if (s.id === 'zone2-app-1') throw new Error('(HTTP code 404) no such image - No such image: me/nope:1');
      return undefined;
    };
    await w.orch.runPeriod(1);
    const [ev] = await failures(w, 'zone2');
    expect(ev?.message).toContain('zone2-app-1 could not be started: (HTTP code 404) no such image');
    expect(await w.registry.container('zone2-app-1')).toBeNull();
    expect((await apps(w, 'zone1')).length).toBe(1);
  });

  test('a health path that never answers: ServiceFailedToStart naming the probe and the timeout', async () => {
    const w = await serviceWorld();
    w.down.add('http://127.0.0.1:19102');
    w.runtime.logs.set('zone1-app-1', 'listening on 0.0.0.0:8080');
    await w.orch.runPeriod(1);
    const [ev] = await failures(w);
    expect(ev?.message).toContain(
      'zone1-app-1 did not answer its health check (GET http://127.0.0.1:19102/healthz, a 2xx) within 100 ms',
    );
    expect(ev?.message).toContain('last log lines: listening on 0.0.0.0:8080');
  });
});

describe('a dead server whose replacement does not come up', () => {
  test('the report still removes the dead one and answers; the failed replacement is its own event', async () => {
    const w = await serviceWorld();
    await w.orch.runPeriod(1);
    const dead = (await apps(w, 'zone2'))[0]!;
    w.runtime.onStart = (s) => (s.zone === 'zone2' ? { running: false, log: 'segfault' } : undefined);
    expect(await w.orch.report('zone2', [dead.url], 1)).toEqual({ removed: [dead.id] });
    expect(await apps(w, 'zone2')).toEqual([]);
    const [ev] = await failures(w, 'zone2');
    expect(ev?.message).toContain('zone2-app-2 exited before answering');
    expect(ev?.message).toContain('last log lines: segfault');
    // the balancer was told: the dead server is out of its pool
    expect([...(w.balancers.balancers.get('http://127.0.0.1:18002')?.alive ?? [])]).toEqual([]);
  });
});

describe('after a failover', () => {
  test('a new leader restores the zone’s back-off from the event log instead of starting over', async () => {
    const w = await serviceWorld();
    w.runtime.onStart = (s) => (s.role === 'app' && s.zone === 'zone1' ? { running: false } : undefined);
    const t0 = w.clock.now;
    await w.orch.runPeriod(1); // failure 1 at t0: next at t0 + 2 s
    w.clock.now = t0 + 2_000;
    await w.orch.runPeriod(1); // failure 2 at t0 + 2 s: next at t0 + 6 s
    // The new leader shares the registry and runtime of the old one, not its memory.
    const duties = new LeaderDuties(
      {
        selfUrl: 'http://127.0.0.1:17003',
        zones: ['zone1'],
        policy: thresholdPolicy({ periodMs: 10_000, windowMs: 10_000, scaleDownStabilizationMs: 0 }),
        balancerPortBase: 18001,
        appPorts: [19101, 19199],
        balancerArgs: '',
        appArgs: '',
        collector: 'http://127.0.0.1:17000',
        token: 'x'.repeat(32),
        cluster: 'test',
        dataDir: '/tmp/zs-test',
        startTimeoutMs: 100,
        service: SERVICE,
        startBackoff: { baseMs: 2_000, capMs: 8_000 },
      },
      {
        registry: w.registry,
        runtime: w.runtime,
        metrics: w.metrics,
        balancers: w.balancers,
        log: silentLogger,
        onStaleTerm: () => {},
        now: () => w.clock.now,
        portBindable: async () => true,
        waitHealthy: async (_u, _ms, wait) => (await wait?.alive?.()) ?? true,
      },
    );
    const before = startsOf(w, 'zone1').length;
    w.clock.now = t0 + 4_000;
    await duties.runPeriod(1);
    expect(startsOf(w, 'zone1').length).toBe(before); // still backing off: t0 + 2 s + 4 s
    w.clock.now = t0 + 6_000;
    await duties.runPeriod(1);
    expect(startsOf(w, 'zone1').length).toBe(before + 1);
    expect((await failures(w)).at(-1)?.message).toContain('next start in 8000 ms (failure 3 in a row)');
  });
});

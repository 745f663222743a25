/** Active health checker: drives the status setter from due servers and probe results. */
import { describe, expect, test } from 'bun:test';
import { parseConfig } from '../../config/parse.ts';
import { BalancerConfig } from '../../config/roles.ts';
import { silentLogger } from '../../shared/logger.ts';
import { httpProbe, httpProbeAt, startHealthChecker, tickFor } from './health-checker.ts';

describe('startHealthChecker', () => {
  test('each due server is probed and its result passed to the status setter', async () => {
    const results: [string, boolean][] = [];
    const hc = startHealthChecker({
      due: () => ['a', 'b'],
      setter: { setStatus: (u, up) => results.push([u, up]) },
      probe: async (u) => u === 'a',
      timeoutMs: 10,
      tickMs: 60_000,
      log: silentLogger,
    });
    try {
      await hc.tick();
      expect(results.sort()).toEqual([
        ['a', true],
        ['b', false],
      ]);
    } finally {
      hc.stop();
    }
  });

  test('results arriving after stop are ignored', async () => {
    const results: string[] = [];
    let release!: () => void;
    const hc = startHealthChecker({
      due: () => ['a'],
      setter: { setStatus: (u) => results.push(u) },
      probe: () => new Promise((r) => (release = () => r(true))),
      timeoutMs: 10,
      tickMs: 60_000,
      log: silentLogger,
    });
    const t = hc.tick();
    hc.stop();
    release();
    await t;
    expect(results).toEqual([]);
  });
});

describe('tickFor', () => {
  const cases: [number, number, number][] = [
    [10_000, 30_000, 1_000],
    [200, 200, 40],
    [20, 20, 10],
  ];
  for (const [check, recheck, tick] of cases) {
    test(`checks every ${check} ms and rechecks every ${recheck} ms tick every ${tick} ms`, () => {
      expect(tickFor(check, recheck)).toBe(tick);
    });
  }
});

describe('httpProbeAt (the service’s health path, --health-path)', () => {
  test('probes the given path: a service with /healthz only is up there and down on /health_check', async () => {
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: (req) => new Response('ok', { status: new URL(req.url).pathname === '/healthz' ? 200 : 404 }),
    });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      expect(await httpProbeAt('/healthz')(url, 1_000)).toEqual({ up: true, load: undefined });
      expect(await httpProbeAt('/health_check')(url, 1_000)).toBe(false);
      expect(await httpProbe(url, 1_000)).toBe(false);
    } finally {
      server.stop(true);
    }
  });

  test('the balancer’s --health-path defaults to the demo app’s /health_check and must be a path', () => {
    const base = ['--zone', 'zone1'];
    const env = { ZONESCALE_TOKEN: 'x'.repeat(16) };
    expect(parseConfig(BalancerConfig, base, env).healthPath).toBe('/health_check');
    expect(parseConfig(BalancerConfig, [...base, '--health-path', '/healthz'], env).healthPath).toBe(
      '/healthz',
    );
    expect(() => parseConfig(BalancerConfig, [...base, '--health-path', 'healthz'], env)).toThrow(
      'bad --health-path "healthz"',
    );
  });
});

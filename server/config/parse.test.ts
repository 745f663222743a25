/** Tests of flag and environment parsing. */
import { describe, expect, test } from 'bun:test';
import { z } from 'zod';
import { BadConfig } from '../shared/errors.ts';
import { csv, envName, ms, parseConfig } from './parse.ts';
import { BalancerConfig, GatewayConfig, MonitorConfig } from './roles.ts';

const Schema = z.object({
  checkIntervalMs: ms().default(10_000),
  appArgs: z.string().default(''),
  zones: csv().default([]),
});

describe('parseConfig', () => {
  test('a flag wins over the environment, which wins over the default', () => {
    expect(parseConfig(Schema, [], {}).checkIntervalMs).toBe(10_000);
    expect(parseConfig(Schema, [], { ZONESCALE_CHECK_INTERVAL_MS: '500' }).checkIntervalMs).toBe(500);
    expect(
      parseConfig(Schema, ['--check-interval-ms', '7'], { ZONESCALE_CHECK_INTERVAL_MS: '500' })
        .checkIntervalMs,
    ).toBe(7);
  });

  test.each([
    [['--app-args', '--scenario-mode simulate'], '--scenario-mode simulate'],
    [['--app-args=--scenario-mode burn'], '--scenario-mode burn'],
    [['--app-args', ''], ''],
  ])('a value may start with dashes: %p', (argv, expected) => {
    expect(parseConfig(Schema, argv, {}).appArgs).toBe(expected);
  });

  test('comma lists drop empty entries', () => {
    expect(parseConfig(Schema, ['--zones', 'zone1, ,zone2,'], {}).zones).toEqual(['zone1', 'zone2']);
  });

  test('an unknown flag is refused with the list of known flags', () => {
    expect(() => parseConfig(Schema, ['--nope', '1'], {})).toThrow(/--check-interval-ms/);
  });

  test('a bad value names the flag and its environment variable', () => {
    try {
      parseConfig(Schema, ['--check-interval-ms', '-5'], {});
      throw new Error('did not throw');
    } catch (err) {
      expect(err).toBeInstanceOf(BadConfig);
      expect((err as Error).message).toContain('--check-interval-ms (ZONESCALE_CHECK_INTERVAL_MS)');
    }
  });

  test('envName maps a flag to ZONESCALE_ upper snake case', () => {
    expect(envName('dead-after')).toBe('ZONESCALE_DEAD_AFTER');
  });

  test('the role configs parse their documented defaults', () => {
    const token = 'x'.repeat(32);
    const b = parseConfig(BalancerConfig, ['--zone', 'zone1'], { ZONESCALE_TOKEN: token });
    expect([b.checkIntervalMs, b.recheckIntervalMs, b.deadAfter, b.reportIntervalMs, b.tries]).toEqual([
      10_000, 30_000, 3, 60_000, 3,
    ]);
    const m = parseConfig(
      MonitorConfig,
      ['--id', '2', '--peers', '1=http://127.0.0.1:7001,2=http://127.0.0.1:7002/'],
      { ZONESCALE_TOKEN: token },
    );
    expect(m.peers).toEqual([
      { id: 1, url: 'http://127.0.0.1:7001' },
      { id: 2, url: 'http://127.0.0.1:7002' },
    ]);
    expect([m.highCpu, m.lowCpu, m.minReplicas, m.maxReplicas, m.probeIntervalMs, m.periodMs]).toEqual([
      60, 20, 1, 5, 5_000, 10_000,
    ]);
  });

  test('a short token is refused', () => {
    expect(() => parseConfig(BalancerConfig, ['--zone', 'zone1'], { ZONESCALE_TOKEN: 'short' })).toThrow(
      /at least 16/,
    );
  });

  test.each([
    ['balancer', BalancerConfig, ['--zone', 'zone1']],
    ['gateway', GatewayConfig, []],
    ['monitor', MonitorConfig, ['--id', '1', '--peers', '1=http://127.0.0.1:7001']],
  ] as const)(
    'the %s takes --upstream-allow (default 127.0.0.0/8) and refuses a bad CIDR',
    (_r, schema, argv) => {
      const env = { ZONESCALE_TOKEN: 'x'.repeat(20) };
      expect(parseConfig(schema, [...argv], env).upstreamAllow).toEqual(['127.0.0.0/8']);
      const wide = parseConfig(schema, [...argv, '--upstream-allow', '127.0.0.0/8,10.1.0.0/16'], env);
      expect(wide.upstreamAllow).toEqual(['127.0.0.0/8', '10.1.0.0/16']);
      expect(() => parseConfig(schema, [...argv, '--upstream-allow', '10.0.0.0/40'], env)).toThrow(
        /upstream-allow.*prefix must be 0..32/s,
      );
    },
  );
});

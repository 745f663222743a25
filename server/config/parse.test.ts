/** Tests of flag and environment parsing. */
import { describe, expect, test } from 'bun:test';
import { z } from 'zod';
import { BadConfig } from '../shared/errors.ts';
import { boolish, configHelp, csv, envName, ms, parseConfig } from './parse.ts';
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

  test('an unknown flag is refused with a pointer to --help', () => {
    expect(() => parseConfig(Schema, ['--nope', '1'], {}, { name: 'bun x' })).toThrow(
      'unknown flag --nope; bun x --help lists the flags',
    );
  });

  test('a bad value names the flag, the value and its environment variable, on one line', () => {
    try {
      parseConfig(Schema, ['--check-interval-ms', '-5'], {});
      throw new Error('did not throw');
    } catch (err) {
      expect(err).toBeInstanceOf(BadConfig);
      expect((err as Error).message).toContain(
        'bad --check-interval-ms "-5" (or ZONESCALE_CHECK_INTERVAL_MS)',
      );
      expect((err as Error).message).not.toContain('\n');
    }
  });

  test('a missing required value says which flag and environment variable, and what it is', () => {
    const Required = z.object({ token: z.string().describe('the cluster token') });
    expect(() => parseConfig(Required, [], {})).toThrow(
      'missing --token (or ZONESCALE_TOKEN): the cluster token',
    );
  });

  test('a boolean flag given alone means true', () => {
    const Bool = z.object({ simulate: boolish.default(false), keep: boolish.default(false) });
    expect(parseConfig(Bool, ['--simulate'], {})).toEqual({ simulate: true, keep: false });
    expect(parseConfig(Bool, ['--simulate', 'false', '--keep'], {})).toEqual({ simulate: false, keep: true });
  });

  test('help lists every flag with its default and environment names', () => {
    const help = configHelp(Schema, { name: 'bun x', aliases: { zones: 'ZONES' } }).replace(/\s+/g, ' ');
    expect(help).toContain('--check-interval-ms <value>');
    expect(help).toContain('default: 10000; env: ZONESCALE_CHECK_INTERVAL_MS');
    expect(help).toContain('env: ZONESCALE_ZONES or ZONES');
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

  test.each([
    [
      ['--min-replicas', '3', '--max-replicas', '2'],
      '--min-replicas "3"',
      'must not exceed --max-replicas (2)',
    ],
    [['--low-cpu', '60'], '--low-cpu "60"', 'must be below --high-cpu (60)'],
    [['--app-ports', '9200-9100'], '--app-ports "9200-9100"', 'is an empty range'],
    [['--zones', 'east'], '--zones "east"', 'zone "east" cannot be placed'],
    [['--zone-policies', 'zone9=target'], '--zone-policies "zone9=target"', 'is not in --zones'],
    [
      ['--zone-policies', 'zone1=fast'],
      '--zone-policies',
      'is not zone=threshold, zone=target or zone=concurrency',
    ],
    [['--scale-up-policies', 'Pods:0:1'], '--scale-up-policies', 'is not Type:value:periodMs'],
    [['--peers', '1=http://127.0.0.1:1,1=http://127.0.0.1:2'], '--peers', 'names monitor 1 twice'],
    [['--gateway', 'nope'], '--gateway "nope"', 'is not a URL'],
  ])('the monitor refuses %p naming %s (cross-field checks live in the config)', (extra, flag, why) => {
    const base = ['--id', '1', '--peers', '1=http://127.0.0.1:7001'];
    const env = { ZONESCALE_TOKEN: 'x'.repeat(32) };
    expect(() => parseConfig(MonitorConfig, [...base, ...extra], env)).toThrow(flag);
    expect(() => parseConfig(MonitorConfig, [...base, ...extra], env)).toThrow(why);
  });

  test('the monitor parses step limits and per-zone policies once, at start', () => {
    const m = parseConfig(
      MonitorConfig,
      ['--id', '1', '--peers', '1=http://127.0.0.1:7001', '--zone-policies', 'zone2=target'],
      { ZONESCALE_TOKEN: 'x'.repeat(32) },
    );
    expect(m.scaleUpPolicies).toEqual([
      { type: 'Pods', value: 4, periodMs: 15_000 },
      { type: 'Percent', value: 100, periodMs: 15_000 },
    ]);
    expect(m.zonePolicies).toEqual([['zone2', 'target']]);
    expect(m.appPorts).toEqual([9101, 9199]);
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

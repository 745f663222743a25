/**
 * The autoscaling flags of the multi-metric target and the concurrency policy: parsing, Knative's
 * defaults, `--target-cpu` as the shorthand of `--metrics cpu=N`, per-zone `concurrency`, and
 * `--min-replicas 0` allowed only where no zone runs the threshold rule.
 */
import { describe, expect, test } from 'bun:test';
import { KNATIVE_DEFAULT_CONCURRENCY_POLICY } from '../../test/support/policies.ts';
import { buildPolicies, policyOf } from '../monitor/autoscale/policy-config.ts';
import { parseConfig } from './parse.ts';
import { MonitorConfig } from './roles.ts';

const BASE = ['--id', '1', '--peers', '1=http://127.0.0.1:7001'];
const ENV = { ZONESCALE_TOKEN: 'x'.repeat(32) };
const parse = (...extra: string[]) => parseConfig(MonitorConfig, [...BASE, ...extra], ENV);

describe('autoscaling flags', () => {
  test('--policy concurrency --target-concurrency 10 gives the KPA with Knative defaults', () => {
    const c = parse('--policy', 'concurrency', '--target-concurrency', '10', '--min-replicas', '0');
    expect(policyOf('concurrency', c)).toEqual(KNATIVE_DEFAULT_CONCURRENCY_POLICY);
  });

  test('every KPA figure has its flag', () => {
    const c = parse(
      ...['--policy', 'concurrency', '--stable-window-ms', '6000', '--panic-window-ms', '1000'],
      ...['--panic-threshold', '1.5', '--scale-to-zero-grace-ms', '3000'],
      ...['--max-scale-up-rate', '10', '--max-scale-down-rate', '4'],
    );
    expect(policyOf('concurrency', c)).toMatchObject({
      stableWindowMs: 6_000,
      panicWindowMs: 1_000,
      panicThreshold: 1.5,
      scaleToZeroGraceMs: 3_000,
      maxScaleUpRate: 10,
      maxScaleDownRate: 4,
    });
  });

  test('--metrics lists the target metrics; without it --target-cpu is the one CPU metric', () => {
    const multi = parse('--policy', 'target', '--metrics', 'cpu=60,rps=50,p95-latency=200');
    expect(policyOf('target', multi)).toMatchObject({
      metrics: [
        { name: 'cpu', target: 60 },
        { name: 'rps', target: 50 },
        { name: 'p95-latency', target: 200 },
      ],
    });
    expect(policyOf('target', parse('--target-cpu', '70'))).toMatchObject({
      metrics: [{ name: 'cpu', target: 70 }],
    });
  });

  test('--zone-policies zone2=concurrency overrides one zone; the threshold rule stays the default', () => {
    const p = buildPolicies(parse('--zone-policies', 'zone2=concurrency'));
    expect(p.default.kind).toBe('threshold');
    expect(Object.keys(p.byZone)).toEqual(['zone2']);
    expect(p.byZone.zone2?.kind).toBe('concurrency');
  });

  test.each([
    [['--metrics', 'cpu=60,bogus=3'], '--metrics', 'is not metric=target'],
    [['--metrics', 'rps=0'], '--metrics', 'positive target'],
    [['--metrics', 'rps=5,rps=6'], '--metrics', 'names rps twice'],
    [['--zone-policies', 'zone2=kpa'], '--zone-policies', 'zone=concurrency'],
    [['--panic-threshold', '1'], '--panic-threshold', ''],
    [['--min-replicas', '0'], '--min-replicas', 'zone1, zone2, zone3 use threshold'],
    [
      ['--min-replicas', '0', '--policy', 'concurrency', '--zone-policies', 'zone3=threshold'],
      '--min-replicas',
      'zone3 use threshold',
    ],
  ])('refuses %p naming %s', (extra, flag, why) => {
    expect(() => parse(...extra)).toThrow(flag);
    expect(() => parse(...extra)).toThrow(why);
  });

  test('--min-replicas 0 is accepted when every zone runs target or concurrency', () => {
    const c = parse('--min-replicas', '0', '--policy', 'target', '--zone-policies', 'zone2=concurrency');
    const p = buildPolicies(c);
    expect([p.default.minReplicas, p.byZone.zone2?.minReplicas]).toEqual([0, 0]);
  });
});

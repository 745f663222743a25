/** A service file's scaling settings applied to the monitor's policies: bounds, per-zone bounds, metrics. */
import { describe, expect, test } from 'bun:test';
import { monitorDefaults } from '../../../test/support/policies.ts';
import { DEMO_SERVICE } from '../../adapters/runtime.ts';
import type { ResolvedService } from '../../config/service.ts';
import { buildPolicies, policyOf } from './policy-config.ts';
import { applyServicePolicy } from './service-policy.ts';

const cfg = monitorDefaults();
const zones = ['zone1', 'zone2', 'zone3'];
const apply = (svc: Partial<ResolvedService>) =>
  applyServicePolicy(buildPolicies(cfg), { spec: DEMO_SERVICE, source: 'f.yaml', ...svc }, zones, () =>
    policyOf('target', cfg),
  );

describe('applyServicePolicy', () => {
  test('nothing in the file leaves the policies as the flags made them', () => {
    expect(apply({})).toEqual(buildPolicies(cfg));
  });

  test('bounds apply to every zone, zones.<zone> overrides one zone', () => {
    const p = apply({ minReplicas: 2, maxReplicas: 6, zones: { zone2: { maxReplicas: 3 } } });
    expect([p.default.minReplicas, p.default.maxReplicas]).toEqual([2, 6]);
    expect([p.byZone.zone2?.minReplicas, p.byZone.zone2?.maxReplicas]).toEqual([2, 3]);
    expect(p.byZone.zone1).toBeUndefined();
  });

  test('a metrics list makes it the target policy over exactly those metrics', () => {
    const metrics = [
      { name: 'cpu' as const, target: 40 },
      { name: 'rps' as const, target: 20 },
    ];
    const p = apply({ metrics, maxReplicas: 4 });
    expect(p.default).toMatchObject({ kind: 'target', maxReplicas: 4, metrics });
  });

  test.each([
    [{ zones: { zone9: { minReplicas: 1 } } }, 'f.yaml: zones.zone9: not a zone of --zones'],
    [{ minReplicas: 7 }, 'f.yaml: every zone: minReplicas 7 must not exceed maxReplicas (5)'],
    [{ zones: { zone1: { minReplicas: 9 } } }, 'f.yaml: zone1: minReplicas 9 must not exceed'],
    [{ minReplicas: 0 }, 'minReplicas 0 (scale to zero) needs a metrics list'],
  ])('%p is refused naming the field', (svc, message) => {
    expect(() => apply(svc)).toThrow(message);
  });
});

/**
 * Applies what a service file says about autoscaling to the monitor's policies: replica bounds for
 * every zone (`minReplicas`, `maxReplicas`), per zone (`zones.<zone>`), and the `metrics` list of the
 * multi-metric policy (contracts.md section 2): a service that lists metrics is scaled by the
 * `target` policy (HPA v2) over exactly those metrics. A pure mapping over validated input.
 */
import type { ResolvedService } from '../../config/service.ts';
import { BadConfig } from '../../shared/errors.ts';
import type { Policy, ZoneId } from '../../shared/types.ts';
import type { Policies } from './policy-config.ts';

/**
 * The policies with the service's settings applied; `target` builds the cluster's `target` policy
 * (from the flags) when the service lists metrics.
 * @throws BadConfig when the file names a zone the monitor does not keep.
 */
export function applyServicePolicy(
  p: Policies,
  svc: ResolvedService,
  zones: readonly ZoneId[],
  target: () => Policy,
): Policies {
  const withMetrics = (pol: Policy): Policy => {
    if (!svc.metrics) return pol;
    const base =
      pol.kind === 'target'
        ? pol
        : { ...target(), minReplicas: pol.minReplicas, maxReplicas: pol.maxReplicas };
    if (base.kind !== 'target') return base;
    return { ...base, metrics: svc.metrics };
  };
  const bounded = (pol: Policy, b: { minReplicas?: number; maxReplicas?: number }): Policy => ({
    ...pol,
    ...(b.minReplicas !== undefined ? { minReplicas: b.minReplicas } : {}),
    ...(b.maxReplicas !== undefined ? { maxReplicas: b.maxReplicas } : {}),
  });
  const def = withMetrics(bounded(p.default, svc));
  const byZone: Partial<Record<ZoneId, Policy>> = {};
  for (const [zone, pol] of Object.entries(p.byZone)) if (pol) byZone[zone] = withMetrics(bounded(pol, svc));
  for (const [zone, b] of Object.entries(svc.zones ?? {})) {
    if (!zones.includes(zone))
      throw new BadConfig(`${svc.source}: zones.${zone}: not a zone of --zones (${zones.join(', ')})`);
    byZone[zone] = bounded(byZone[zone] ?? def, b);
  }
  for (const [zone, pol] of [['every zone', def] as const, ...Object.entries(byZone)]) {
    if (pol?.kind === 'threshold' && pol.minReplicas < 1)
      throw new BadConfig(
        `${svc.source}: ${zone}: minReplicas 0 (scale to zero) needs a metrics list (the target policy); the threshold rule keeps at least 1`,
      );
    if (pol && pol.minReplicas > pol.maxReplicas)
      throw new BadConfig(
        `${svc.source}: ${zone}: minReplicas ${pol.minReplicas} must not exceed maxReplicas (${pol.maxReplicas})`,
      );
  }
  return { default: def, byZone };
}

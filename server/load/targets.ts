/**
 * Where a load goes: a zone's balancer or the gateway, looked up in a monitor's `GET /state`
 * (`zones[].balancer.url`, `gateway.url`). Pure over the state, so the CLI and the monitor's
 * control route resolve targets the same way.
 */
import type { ClusterState } from '../shared/types.ts';

/** A load target: a zone id, or `gateway` (the front door). */
export type LoadTarget = { zone: string } | 'gateway';

/**
 * The origin URL for `target` in `state`.
 * @throws Error naming the problem when the zone is unknown or has no balancer, or no gateway is known.
 */
export function resolveTarget(
  state: Pick<ClusterState, 'zones'> & { gateway?: { url: string } | null },
  target: LoadTarget,
): string {
  if (target === 'gateway') {
    if (!state.gateway?.url)
      throw new Error('the cluster has no gateway (start the monitors with --gateway <url>)');
    return state.gateway.url;
  }
  const z = state.zones.find((x) => x.zone === target.zone);
  if (!z)
    throw new Error(`unknown zone "${target.zone}" (zones: ${state.zones.map((x) => x.zone).join(', ')})`);
  if (!z.balancer) throw new Error(`zone ${target.zone} has no balancer yet`);
  return z.balancer.url;
}

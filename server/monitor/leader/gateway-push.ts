/**
 * The leader's push to the gateway (the front door): every period it sends the gateway each zone's
 * balancer from the registry (`PUT /zones {zones, term}`), fenced by the term like the balancer
 * pushes. A 409 (`StaleTerm`: a newer leader pushed) is reported to `onStaleTerm` (step down) and
 * rethrown; any other failure is logged, and the next period pushes again.
 */
import type { Registry } from '../../adapters/registry.ts';
import { StaleTerm } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { pushZones } from '../clients/gateway-client.ts';

/** What the push needs: the gateway's origin, the cluster token, the registry to read, a logger. */
export interface GatewayPushDeps {
  gatewayUrl: string;
  token: string;
  registry: Registry;
  log: Logger;
  /** Called when the gateway refused the term: the caller steps down. */
  onStaleTerm: (err: StaleTerm) => void;
}

/**
 * Pushes every registered balancer (zone and URL) to the gateway under `term`.
 * @throws StaleTerm (after calling `onStaleTerm`) when the gateway holds a newer term.
 */
export async function pushGatewayZones(d: GatewayPushDeps, term: number): Promise<void> {
  const zones = (await d.registry.containers())
    .filter((c) => c.role === 'balancer')
    .map((c) => ({ zone: c.zone, url: c.url }));
  try {
    await pushZones(d.gatewayUrl, d.token, zones, term);
  } catch (err) {
    if (err instanceof StaleTerm) {
      d.onStaleTerm(err);
      throw err;
    }
    d.log.warn({ err: String(err), gateway: d.gatewayUrl }, 'pushing the zones to the gateway failed');
  }
}

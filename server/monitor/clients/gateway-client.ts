/**
 * How the leader and the cluster view talk to the gateway: the leader's term-fenced push of every
 * zone's balancer (`PUT /zones {zones, term}`, cluster token; a 409 means a newer leader pushed, so
 * it becomes `StaleTerm` and the caller steps down), and the gateway's `/health_check` read for the
 * dashboard. Fetch with short timeouts; 127.0.0.1 URLs.
 */
import { authHeaders } from '../../shared/auth.ts';
import { StaleTerm } from '../../shared/errors.ts';

/** One zone and its balancer URL, as pushed. */
export interface GatewayZone {
  zone: string;
  url: string;
}

/** The gateway's health as it answers it: the term and the zones it can route to now. */
export interface GatewayHealth {
  term: number;
  zones: number;
  available: string[];
}

/**
 * `PUT <gateway>/zones {zones, term}` (2 s timeout).
 * @throws StaleTerm on 409; Error on any other failure.
 */
export async function pushZones(
  gatewayUrl: string,
  token: string,
  zones: GatewayZone[],
  term: number,
): Promise<void> {
  const res = await fetch(`${gatewayUrl}/zones`, {
    method: 'PUT',
    headers: authHeaders(token),
    body: JSON.stringify({ zones, term }),
    signal: AbortSignal.timeout(2_000),
  });
  if (res.status === 409) {
    const j = (await res.json().catch(() => ({}))) as { details?: { current?: number } };
    throw new StaleTerm(term, Number(j.details?.current ?? term + 1));
  }
  if (!res.ok)
    throw new Error(`PUT ${gatewayUrl}/zones answered ${res.status}: ${await res.text().catch(() => '')}`);
  await res.body?.cancel().catch(() => {});
}

/** `GET <gateway>/health_check` (500 ms), or null when it does not answer. */
export async function gatewayHealth(gatewayUrl: string): Promise<GatewayHealth | null> {
  try {
    const res = await fetch(`${gatewayUrl}/health_check`, { signal: AbortSignal.timeout(500) });
    if (!res.ok) return null;
    return (await res.json()) as GatewayHealth;
  } catch {
    return null;
  }
}

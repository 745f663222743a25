/**
 * The balancer's side of `POST /activate {zone}`: asks the leader monitor, with the cluster token,
 * to give the zone a server. 2xx is `accepted` (the leader adds a server, or one is on its way); a
 * follower's 421 names the leader (`{error, leader}`), which is asked at once and remembered until
 * the next `PUT /monitor` (only when the upstream allow-list admits it, as `PUT /monitor` checks its
 * address: the token is never sent elsewhere); a 4xx other than 421 is `refused` (an old leader without the route, a
 * zone it does not manage, a wrong token); anything else — no leader known, unreachable, 5xx —
 * throws, and the activator retries with back-off.
 */

import type { ActivateOutcome } from '../proxy/activator.ts';
import { authHeaders } from '../shared/auth.ts';

/** What the client needs: zone, token, the leader's address ('' when unknown), a timeout in ms. */
export interface ActivateClientDeps {
  zone: string;
  token: string;
  leader(): string;
  /** Whether a leader URL named by a 421 may be called (the upstream allow-list). */
  allows(url: string): boolean;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Builds the `activate()` the activator calls. @throws Error on a failure worth retrying. */
export function activateClient(d: ActivateClientDeps): () => Promise<ActivateOutcome> {
  const doFetch = d.fetch ?? fetch;
  // A follower's redirect, kept while the known leader stays the same.
  let redirect: { from: string; to: string } | null = null;
  const post = async (base: string) => {
    const res = await doFetch(`${base}/activate`, {
      method: 'POST',
      headers: authHeaders(d.token),
      body: JSON.stringify({ zone: d.zone }),
      signal: AbortSignal.timeout(d.timeoutMs ?? 5_000),
    });
    const body = (await res.json().catch(() => ({}))) as { leader?: unknown };
    return { status: res.status, leader: typeof body.leader === 'string' ? body.leader : '' };
  };
  return async () => {
    const known = d.leader();
    if (!known) throw new Error('no leader known');
    const base = redirect?.from === known ? redirect.to : known;
    let r = await post(base);
    if (r.status === 421 && r.leader && URL.canParse(r.leader) && d.allows(r.leader)) {
      const to = new URL(r.leader).origin;
      redirect = { from: known, to };
      r = await post(to);
    }
    if (r.status >= 200 && r.status < 300) return 'accepted';
    if (r.status === 421) {
      redirect = null;
      throw new Error(`${base} is not the leader and names none`);
    }
    if (r.status >= 400 && r.status < 500) return 'refused';
    throw new Error(`${base}/activate answered ${r.status}`);
  };
}

/**
 * The gateway's health probe of a zone balancer: `GET <balancer>/health_check` answered 2xx with
 * at least one alive server (`alive > 0`). A zone whose balancer is down, slow or has an empty alive
 * pool is therefore skipped, and its clients go to the next zone on the ring.
 */
import type { Probe } from '../balancer/health-checker.ts';

/** Probe: true when the balancer answers within `timeoutMs` and holds an alive server. Never throws. */
export const zoneProbe: Probe = async (url, timeoutMs) => {
  try {
    const res = await fetch(`${url}/health_check`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      return false;
    }
    const body = (await res.json()) as { alive?: unknown };
    return typeof body.alive === 'number' && body.alive > 0;
  } catch {
    return false;
  }
};

/** Thrown by `zoneFetch` when a zone balancer answers 503 `no_available_server`: the zone is empty. */
export class ZoneUnavailable extends Error {
  constructor(readonly url: string) {
    super(`zone balancer ${url} has no available server`);
    this.name = 'ZoneUnavailable';
  }
}

/**
 * A fetch for the gateway's proxy: a zone balancer's own 503 `no_available_server` becomes a thrown
 * `ZoneUnavailable`, which the proxy treats as a connection failure — retried on the next zone of
 * the ring and ejecting that zone at once (outlier). Every other answer, 5xx included, passes.
 */
export function zoneFetch(base: typeof fetch = fetch): typeof fetch {
  const f = async (input: string | URL | Request, init?: RequestInit) => {
    const res = await base(input, init);
    if (res.status !== 503 || !res.headers.get('content-type')?.includes('application/json')) return res;
    const text = await res.text();
    if (text.includes('"no_available_server"')) throw new ZoneUnavailable(new URL(String(input)).origin);
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return f as typeof fetch;
}

/**
 * How the leader talks to zone balancers and app servers over HTTP: health checks, the balancer's
 * pools, and the token-carrying `PUT /servers` / `PUT /monitor` pushes. The leader depends on
 * the `BalancerClient` interface only, so unit tests inject a fake; `httpBalancerClient` is the real
 * one (fetch with short timeouts, 127.0.0.1 URLs). A 409 from a balancer means a newer leader has
 * pushed a newer term, so it becomes `StaleTerm` and the caller steps down.
 */
import { authHeaders } from '../../shared/auth.ts';
import { StaleTerm } from '../../shared/errors.ts';

/** A balancer's pools as `GET /pools` returns them (only the fields the monitor reads). */
export interface BalancerPools {
  zone: string;
  term: number;
  monitor: string;
  /** `inFlight`: requests the balancer is running on the server now; `weight`: slow-start weight, %. */
  alive: { url: string; inFlight?: number; weight?: number }[];
  /** The balancer's activator (absent from balancers without one). */
  activation?: { state: 'off' | 'idle' | 'activating'; held: number; since: number | null };
  disconnected: { url: string }[];
  dead: { url: string }[];
  /** Server id per upstream URL, when the balancer keeps them (`PUT /servers` `ids`). */
  ids?: Record<string, string>;
}

export interface BalancerClient {
  /** True when `GET <url><path>` (default `/health_check`) answers 2xx within the client's timeout. */
  health(url: string, path?: string): Promise<boolean>;
  /** `GET <balancer>/pools`, or null when it did not answer (500 ms timeout). */
  pools(url: string): Promise<BalancerPools | null>;
  /** `PUT <balancer>/servers {add, remove, ids, term}`. @throws StaleTerm on 409; Error on other failures. */
  putServers(
    url: string,
    body: { add?: string[]; remove?: string[]; ids?: Record<string, string>; term: number },
  ): Promise<void>;
  /** `PUT <balancer>/monitor {address, term}`. @throws StaleTerm on 409; Error on other failures. */
  putMonitor(url: string, body: { address: string; term: number }): Promise<void>;
}

/** Timeouts, ms. */
export interface HttpClientOptions {
  healthTimeoutMs?: number;
  poolsTimeoutMs?: number;
  putTimeoutMs?: number;
}

/** The real client over fetch. Health 1 s, pools 500 ms, pushes 2 s by default. */
export function httpBalancerClient(token: string, opts: HttpClientOptions = {}): BalancerClient {
  const healthMs = opts.healthTimeoutMs ?? 1_000;
  const poolsMs = opts.poolsTimeoutMs ?? 500;
  const putMs = opts.putTimeoutMs ?? 2_000;

  async function put(url: string, path: string, body: { term: number }): Promise<void> {
    const res = await fetch(`${url}${path}`, {
      method: 'PUT',
      headers: authHeaders(token),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(putMs),
    });
    if (res.status === 409) {
      const j = (await res.json().catch(() => ({}))) as { details?: { current?: number } };
      throw new StaleTerm(body.term, Number(j.details?.current ?? body.term + 1));
    }
    if (!res.ok)
      throw new Error(`PUT ${url}${path} answered ${res.status}: ${await res.text().catch(() => '')}`);
    await res.body?.cancel().catch(() => {});
  }

  return {
    async health(url, path = '/health_check') {
      try {
        const res = await fetch(`${url}${path}`, {
          signal: AbortSignal.timeout(healthMs),
          redirect: 'manual',
        });
        await res.body?.cancel().catch(() => {});
        return res.ok;
      } catch {
        return false;
      }
    },
    async pools(url) {
      try {
        const res = await fetch(`${url}/pools`, { signal: AbortSignal.timeout(poolsMs) });
        if (!res.ok) return null;
        return (await res.json()) as BalancerPools;
      } catch {
        return null;
      }
    },
    putServers: (url, body) => put(url, '/servers', body),
    putMonitor: (url, body) => put(url, '/monitor', body),
  };
}

/** Every URL a balancer holds, in any pool. */
export function pooledUrls(p: BalancerPools): string[] {
  return [...p.alive, ...p.disconnected, ...p.dead].map((s) => s.url);
}

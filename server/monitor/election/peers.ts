/**
 * Messages between monitor replicas over HTTP: the leader probe (`GET /health_check`), the bully
 * `POST /election` and `POST /coordinator` messages (cluster token required). The elector depends
 * on the `PeerClient` interface only; `httpPeerClient` is the real one over fetch with short
 * timeouts, and never throws: a peer that does not answer in time is simply not answering.
 */
import { authHeaders } from '../../shared/auth.ts';

/** What `GET /health_check` of a monitor returns. */
export interface MonitorHealth {
  status: 'ok';
  id: number;
  role: 'leader' | 'follower' | 'candidate';
  term: number;
  leaderId: number | null;
}

/** Outcome of a coordinator announcement: accepted, refused as stale (409), or no answer. */
export type CoordinatorOutcome = 'ok' | 'stale' | 'failed';

export interface PeerClient {
  /** The monitor's health, or null when it did not answer 2xx in time. */
  health(url: string): Promise<MonitorHealth | null>;
  /** Sends `election {from, term}`; true when the peer answered. */
  election(url: string, body: { from: number; term: number }): Promise<boolean>;
  /** Sends `coordinator {leader, url, term}`. */
  coordinator(url: string, body: { leader: number; url: string; term: number }): Promise<CoordinatorOutcome>;
}

/** Timeouts, ms: health probes 500 ms, election messages `messageTimeoutMs` (default 1 s). */
export function httpPeerClient(
  token: string,
  opts: { healthTimeoutMs?: number; messageTimeoutMs?: number } = {},
): PeerClient {
  const healthMs = opts.healthTimeoutMs ?? 500;
  const msgMs = opts.messageTimeoutMs ?? 1_000;
  const post = (url: string, body: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: authHeaders(token),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(msgMs),
    });
  return {
    async health(url) {
      try {
        const res = await fetch(`${url}/health_check`, { signal: AbortSignal.timeout(healthMs) });
        if (!res.ok) return null;
        return (await res.json()) as MonitorHealth;
      } catch {
        return null;
      }
    },
    async election(url, body) {
      try {
        const res = await post(`${url}/election`, body);
        if (!res.ok) return false;
        const j = (await res.json()) as { answer?: boolean };
        return j.answer === true;
      } catch {
        return false;
      }
    },
    async coordinator(url, body) {
      try {
        const res = await post(`${url}/coordinator`, body);
        await res.body?.cancel().catch(() => {});
        return res.ok ? 'ok' : res.status === 409 ? 'stale' : 'failed';
      } catch {
        return 'failed';
      }
    },
  };
}

/**
 * Reports the dead pool to the leader monitor (source design: every 60 s) with
 * `PUT <leader>/report {zone, servers}` carrying the cluster token. The servers reported are
 * dropped from the dead pool only when the leader answers 2xx; on any failure (no leader known,
 * refused, unreachable) they stay and are sent again next time.
 */

import type { Transition } from '../proxy/lb/pools.ts';
import { authHeaders } from '../shared/auth.ts';
import type { Logger } from '../shared/logger.ts';

/** What the reporter needs: the dead list, how to drop reported ones, and the leader's address. */
export interface ReporterDeps {
  zone: string;
  token: string;
  dead: () => string[];
  dropReported: (urls: string[]) => Transition[];
  /** Leader monitor base URL, '' when unknown. */
  leader: () => string;
  log: Logger;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Sends one report if the dead pool is non-empty. Resolves to the URLs dropped (empty if none or failed). */
export async function reportDead(d: ReporterDeps): Promise<string[]> {
  const servers = d.dead();
  if (servers.length === 0) return [];
  const leader = d.leader();
  if (!leader) {
    d.log.warn({ servers }, 'dead servers not reported: no leader known');
    return [];
  }
  try {
    const res = await (d.fetch ?? fetch)(`${leader}/report`, {
      method: 'PUT',
      headers: authHeaders(d.token),
      body: JSON.stringify({ zone: d.zone, servers }),
      signal: AbortSignal.timeout(d.timeoutMs ?? 5_000),
    });
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      d.log.warn(
        { leader, status: res.status, body: text.slice(0, 200), servers },
        'dead report refused; kept',
      );
      return [];
    }
    const dropped = d.dropReported(servers).map((t) => t.url);
    d.log.info({ leader, servers: dropped }, 'dead servers reported and dropped');
    return dropped;
  } catch (err) {
    d.log.warn({ leader, err: String(err), servers }, 'dead report failed; kept');
    return [];
  }
}

/** Reports every `intervalMs`; returns `stop()`. Reports never overlap. */
export function startReporter(d: ReporterDeps, intervalMs: number): { stop(): void } {
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      await reportDead(d);
    } finally {
      busy = false;
    }
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}

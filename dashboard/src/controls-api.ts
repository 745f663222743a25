/**
 * The dashboard's calls to the monitor's control routes (`/control/scenario`, `/control/load`),
 * authenticated with the page key the monitor injected into index.html
 * (`window.__ZONESCALE_DASHBOARD__.key`, an HMAC of the cluster token, accepted by every replica);
 * the page never sees the cluster token. Calls go to the monitor the page streams from, so they
 * follow a failover. Errors carry the monitor's JSON `message`.
 */

import type { LoadView } from '../../server/monitor/api/load-controller.ts';
import type { ScenarioMode } from '../../server/shared/types.ts';

declare global {
  interface Window {
    __ZONESCALE_DASHBOARD__?: { key: string };
  }
}

/** The page key, or null when the page was not served by a monitor (controls are disabled). */
export function pageKey(): string | null {
  return typeof window !== 'undefined' ? (window.__ZONESCALE_DASHBOARD__?.key ?? null) : null;
}

/** A load run as `GET /control/load` returns it (the monitor's own type). Latencies ms, rates req/s. */
export type LoadRunView = LoadView;

async function call<T>(monitor: string, method: string, path: string, body?: unknown): Promise<T> {
  const key = pageKey();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers['x-dashboard-key'] = key;
  const res = await fetch(`${monitor}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  // A body cut off (the 5 s timeout on a busy machine) is an error, not an empty answer.
  const json = (await res.json().catch(() => null)) as { message?: string } | null;
  if (!res.ok) throw new Error(json?.message ?? `${res.status} ${res.statusText}`);
  if (json === null) throw new Error(`${method} ${path}: the answer was not JSON`);
  return json as T;
}

/** High / Low / Off for one server (`{serverId}`) or a zone (`{zone}`). */
export function setScenario(
  monitor: string,
  who: { serverId: string } | { zone: string },
  mode: ScenarioMode,
): Promise<{ servers: { id: string; ok: boolean; error?: string }[] }> {
  return call(monitor, 'POST', '/control/scenario', { ...who, mode });
}

/** Starts a load run (rate req/s, durationS s, target `gateway` or a zone). */
export function startLoad(
  monitor: string,
  o: { rate: number; durationS: number; target: string },
): Promise<{ run: LoadRunView }> {
  return call(monitor, 'POST', '/control/load', o);
}

/** Stops the active run. */
export function stopLoad(monitor: string): Promise<{ run: LoadRunView | null }> {
  return call(monitor, 'DELETE', '/control/load');
}

/** The active or last run. */
export function readLoad(monitor: string): Promise<{ run: LoadRunView | null }> {
  return call(monitor, 'GET', '/control/load');
}

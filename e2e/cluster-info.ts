/**
 * What the specs share: the cluster `global-setup.ts` started (URLs, pids, token, from
 * `E2E_CLUSTER_INFO`), where screenshots go (`e2e/artifacts/screenshots/<name>.png`), and a
 * `GET /state` reader. Each spec leaves the cluster as it found it (one server a zone, scenarios
 * off), and the leader-killing `whole-loop.spec.ts` runs last (files run in name order).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIRequestContext } from '@playwright/test';
import type { ClusterState } from '../server/shared/types.ts';

/** The running cluster. */
export interface ClusterInfo {
  token: string;
  monitors: { id: number; url: string; pid: number }[];
  gateway: { url: string; pid: number };
}

/** The cluster of this run. */
export const clusterInfo = (): ClusterInfo => JSON.parse(process.env.E2E_CLUSTER_INFO ?? 'null');

/** Path of screenshot `name`. */
export const shot = (name: string) =>
  join(dirname(fileURLToPath(import.meta.url)), 'artifacts', 'screenshots', `${name}.png`);

/** `GET /state` from the first monitor that answers. */
export async function readState(request: APIRequestContext): Promise<ClusterState> {
  for (const m of clusterInfo().monitors) {
    try {
      const res = await request.get(`${m.url}/state`, { timeout: 2_000 });
      if (res.ok()) return (await res.json()) as ClusterState;
    } catch {
      // next replica
    }
  }
  throw new Error('no monitor answered /state');
}

/** A follower's URL (a page served by it survives the leader being killed). */
export async function followerUrl(request: APIRequestContext): Promise<string> {
  const s = await readState(request);
  return clusterInfo().monitors.find((m) => m.id !== s.leader?.id)!.url;
}

/** Waits until every zone is back to one server (each spec leaves the cluster as it found it). */
export async function oneServerEachZone(request: APIRequestContext, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = await readState(request).catch(() => null);
    if (s && s.zones.every((z) => z.replicas === 1)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`zones did not return to one server within ${timeoutMs} ms`);
}

/**
 * Calls the page makes to its own app server. `POST /scenario` carries the page key from the
 * bootstrap data (`x-ui-key`), never the cluster token.
 */
import type { ScenarioMode } from './types.ts';

/** Switches the server's scenario. @throws Error with the server's message on a non-2xx answer. */
export async function postScenario(mode: ScenarioMode, uiKey: string): Promise<void> {
  const res = await fetch('/scenario', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ui-key': uiKey },
    body: JSON.stringify({ mode }),
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { message?: string } | null;
    throw new Error(body?.message ?? `HTTP ${res.status}`);
  }
}

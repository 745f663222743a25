/**
 * Calls the page makes to its own app server. Each carries the server's upstream pin
 * (`x-zonescale-upstream`, from the bootstrap data), so a zone balancer — reached directly or
 * through the gateway — sends it to the server that served the page, not to the next one of its
 * round-robin. `POST /scenario` carries the page key (`x-ui-key`), never the cluster token, and
 * the answer must name this page's server.
 */
import type { PageConfig, ScenarioMode } from './types.ts';

/** Header of the upstream pin (the balancer's `shared/upstream-pin.ts`). */
export const PIN_HEADER = 'x-zonescale-upstream';

/** Headers every call of the page sends: the pin, when the page has one. */
export function pinHeaders(cfg: Pick<PageConfig, 'pin'>): Record<string, string> {
  return cfg.pin ? { [PIN_HEADER]: cfg.pin } : {};
}

/**
 * Switches the scenario of the page's server.
 * @throws Error with the server's message on a non-2xx answer, or when another server answered.
 */
export async function postScenario(mode: ScenarioMode, cfg: PageConfig): Promise<void> {
  const res = await fetch('/scenario', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ui-key': cfg.uiKey, ...pinHeaders(cfg) },
    body: JSON.stringify({ mode }),
  });
  const body = (await res.json().catch(() => null)) as { message?: string; server?: string } | null;
  if (!res.ok) throw new Error(body?.message ?? `HTTP ${res.status}`);
  if (body?.server !== cfg.id) throw new Error(`the answer came from ${body?.server ?? 'another server'}`);
}

/**
 * Shapes the page shares with its app server: the bootstrap data the server injects into
 * index.html, the samples on `GET /stream` (same fields as the server's `Sample`), and the
 * scenario modes. Units: ts epoch ms, cpu % of one core, memoryMb MB, throughput req/s.
 */

/** Scenario modes (source design: High CPU / Low CPU buttons; `off` = real load only). */
export type ScenarioMode = 'high' | 'low' | 'off';

/** One metrics sample, as the app server publishes it every second. */
export interface Sample {
  serverId: string;
  zone: string;
  ts: number;
  cpu: number;
  memoryMb: number;
  throughput: number;
  healthy: boolean;
  scenario: ScenarioMode;
}

/** One request the server served (its `requests` stream events). `t` epoch ms, `ms` duration. */
export interface RecentRequest {
  t: number;
  method: string;
  path: string;
  status: number;
  ms: number;
}

/** `window.__ZONESCALE_APP__`, injected by the app server into index.html. */
export interface PageConfig {
  id: string;
  zone: string;
  /** Sent as `x-ui-key` on `POST /scenario`; not the cluster token. */
  uiKey: string;
  /** The server's upstream pin, sent as `x-zonescale-upstream` so a balancer keeps the calls on it. */
  pin: string;
}

declare global {
  interface Window {
    __ZONESCALE_APP__?: PageConfig;
  }
}

/** The page's bootstrap data, or placeholders when the page is opened outside an app server. */
export function pageConfig(): PageConfig {
  return window.__ZONESCALE_APP__ ?? { id: 'unknown', zone: 'unknown', uiKey: '', pin: '' };
}

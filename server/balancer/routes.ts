/**
 * The balancer's control API as an OpenAPIHono app built from injected dependencies (no I/O of its
 * own): `GET /health_check`, `GET /servers`, `GET /pools`, `PUT /servers`, `GET /monitor`,
 * `PUT /monitor`, `GET /metrics`, `GET /openapi.json`. Mutating calls need the cluster token (401
 * otherwise) and a leader term no older than the known one (409 `stale_term`); everything is
 * validated before any change, so a refused call changes nothing. The URLs a call adds and the
 * leader address it sets must lie in the upstream allow-list (400 `upstream_not_allowed`), so a
 * token holder cannot aim health checks, traffic or the token-carrying dead-server report elsewhere.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Pools } from '../proxy/lb/pools.ts';
import { type BalancerMetrics, countTransitions } from '../proxy/metrics.ts';
import {
  createApi,
  errorResponses,
  finishApi,
  jsonBody,
  jsonResponse,
  staleTermResponse,
  tokenSecurity,
} from '../shared/api.ts';
import { requireToken } from '../shared/auth.ts';
import type { Logger } from '../shared/logger.ts';
import type { UpstreamAllowList } from '../shared/upstream-allow.ts';
import { acceptMonitor, checkTerm, type MonitorInfo } from './fencing.ts';
import {
  type ActivationView,
  HealthBody,
  MonitorBody,
  MonitorView,
  PoolsBody,
  ServersBody,
  ServersChange,
} from './schemas.ts';

/** Paths served by the control API; every other path is proxied (checked before Hono for speed). */
export const CONTROL_PATHS: ReadonlySet<string> = new Set([
  '/health_check',
  '/servers',
  '/pools',
  '/monitor',
  '/metrics',
  '/openapi.json',
]);

/** Dependencies of the control API. `leader` is a mutable holder owned by `start.ts`. */
export interface RoutesDeps {
  zone: string;
  strategy: string;
  /** Affinity key source, shown in `GET /pools` when the strategy is `consistent-hash`. */
  hashKey?: string;
  token: string;
  /** Networks `PUT /servers` add and `PUT /monitor` address may name (config `upstreamAllow`). */
  upstreamAllow: UpstreamAllowList;
  pools: Pools;
  leader: { get(): MonitorInfo; set(m: MonitorInfo): void };
  metrics: BalancerMetrics;
  /** Server id of each upstream URL, as the leader named it in `PUT /servers` `ids` (omit: ids not kept). */
  serverIds?: Map<string, string>;
  now: () => number;
  log: Logger;
  /** The activator's state (default: off). */
  activation?: () => ActivationView;
  /** Slow-start window, ms, and a server's current weight as a fraction (default: off, 1). */
  slowStart?: { windowMs: number; weightOf(url: string, now: number): number };
}

const OFF: ActivationView = { state: 'off', held: 0, since: null };

/** Builds the control API app. */
export function createBalancerApi(d: RoutesDeps): OpenAPIHono {
  const app = createApi({ logger: d.log, corsGet: true });
  const auth = requireToken(d.token);
  const poolsBody = () => {
    const m = d.leader.get();
    const hk = d.strategy === 'consistent-hash' && d.hashKey ? { hashKey: d.hashKey } : {};
    const ids = d.serverIds ? { ids: Object.fromEntries(d.serverIds) } : {};
    const v = d.pools.view();
    const now = d.now();
    const ss = d.slowStart;
    const alive = v.alive.map((a) => ({
      ...a,
      weight: ss ? Math.round(ss.weightOf(a.url, now) * 1000) / 10 : 100,
    }));
    return {
      zone: d.zone,
      strategy: d.strategy,
      ...hk,
      term: m.term,
      monitor: m.address,
      ...ids,
      slowStartMs: ss?.windowMs ?? 0,
      activation: d.activation?.() ?? OFF,
      ...v,
      alive,
    };
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health_check',
      summary: 'Liveness and pool counts',
      responses: { 200: jsonResponse(HealthBody, 'Pool counts') },
    }),
    (c) => {
      const a = d.activation?.() ?? OFF;
      return c.json(
        { status: 'ok' as const, zone: d.zone, ...d.pools.counts(), activation: a.state, held: a.held },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/servers',
      summary: 'The alive pool',
      responses: { 200: jsonResponse(ServersBody, 'Alive server URLs') },
    }),
    (c) => c.json({ zone: d.zone, servers: [...d.pools.alive()] }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/pools',
      summary: 'All three pools',
      responses: { 200: jsonResponse(PoolsBody, 'Pools') },
    }),
    (c) => c.json(poolsBody(), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/servers',
      summary: 'Add servers to the alive pool and remove (drain) servers from any pool',
      security: tokenSecurity,
      middleware: [auth] as const,
      request: { body: jsonBody(ServersChange) },
      responses: {
        200: jsonResponse(PoolsBody, 'Pools after the change'),
        ...errorResponses,
        ...staleTermResponse,
      },
    }),
    (c) => {
      const body = c.req.valid('json');
      d.upstreamAllow.check('add', body.add ?? []);
      d.leader.set(checkTerm(d.leader.get(), body.term));
      const now = d.now();
      const ts = [
        ...(body.remove ?? []).flatMap((u) => d.pools.remove(u)),
        ...(body.add ?? []).flatMap((u) => d.pools.add(u, now)),
      ];
      for (const u of body.remove ?? []) d.serverIds?.delete(u);
      for (const [u, id] of Object.entries(body.ids ?? {})) d.serverIds?.set(u, id);
      countTransitions(d.metrics, ts);
      if (ts.length > 0)
        d.log.info({ changes: ts.map((t) => `${t.reason} ${t.url}`), term: body.term }, 'servers changed');
      return c.json(poolsBody(), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/monitor',
      summary: 'The leader monitor and its term',
      responses: { 200: jsonResponse(MonitorView, 'Leader') },
    }),
    (c) => c.json(d.leader.get(), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/monitor',
      summary: 'Set the leader monitor (accepted when term >= the known term)',
      security: tokenSecurity,
      middleware: [auth] as const,
      request: { body: jsonBody(MonitorBody) },
      responses: {
        200: jsonResponse(MonitorView, 'Leader after the call'),
        ...errorResponses,
        ...staleTermResponse,
      },
    }),
    (c) => {
      const offered = c.req.valid('json');
      d.upstreamAllow.check('address', [offered.address]);
      const { next, changed } = acceptMonitor(d.leader.get(), {
        address: new URL(offered.address).origin,
        term: offered.term,
      });
      if (changed) {
        d.leader.set(next);
        d.log.info({ leader: next.address, term: next.term }, 'leader monitor changed');
      }
      return c.json(next, 200);
    },
  );

  app.get('/metrics', async (c) => {
    const text = await d.metrics.registry.metrics();
    return c.body(text, 200, { 'content-type': d.metrics.registry.contentType });
  });

  return finishApi(
    app,
    'zonescale balancer',
    'Zone load balancer: health-checked pools and the proxy control API.',
  );
}

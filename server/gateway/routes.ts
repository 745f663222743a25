/**
 * The gateway's control API as an OpenAPIHono app built from injected dependencies (no I/O of its
 * own): `GET /health_check`, `GET /zones`, `PUT /zones` (the leader's push, cluster token, 409 on an
 * older term), `GET /metrics` (Prometheus), `GET /openapi.json`, and 404 for a zone balancer's
 * control paths (`ZONE_CONTROL_PATHS`). Every other path is proxied to a zone (see `start.ts`). A
 * refused call (401, 400, 404, 409) changes nothing. Terms are bounded (400 beyond 2^31 − 1,
 * `shared/term.ts`) and every balancer URL must lie in the upstream allow-list (400
 * `upstream_not_allowed`).
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { CONTROL_PATHS } from '../balancer/routes.ts';
import type { Pools } from '../proxy/lb/pools.ts';
import type { BalancerMetrics } from '../proxy/metrics.ts';
import {
  createApi,
  errorResponses,
  finishApi,
  jsonBody,
  jsonResponse,
  staleTermResponse,
  tokenSecurity,
  z,
} from '../shared/api.ts';
import { requireToken } from '../shared/auth.ts';
import { ZonescaleError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { Term, UpstreamUrl, ZoneId } from '../shared/types.ts';
import type { UpstreamAllowList } from '../shared/upstream-allow.ts';
import { applyZones, type ZoneTable } from './zone-table.ts';

/** The gateway's own control API paths. */
const OWN_PATHS: ReadonlySet<string> = new Set(['/health_check', '/zones', '/metrics', '/openapi.json']);

/**
 * A zone balancer's control paths the gateway has no route of its own for (`/servers`, `/pools`,
 * `/monitor`): the gateway answers them 404 on its data plane instead of proxying them, to anyone,
 * token or not — a balancer's pools and leader are reached at the balancer itself (the monitor
 * does), never through the public front door.
 */
export const ZONE_CONTROL_PATHS: ReadonlySet<string> = new Set(
  [...CONTROL_PATHS].filter((p) => !OWN_PATHS.has(p)),
);

/** Paths the gateway answers itself (its control API, and 404 for `ZONE_CONTROL_PATHS`); every other path is proxied. */
export const GATEWAY_CONTROL_PATHS: ReadonlySet<string> = new Set([...OWN_PATHS, ...ZONE_CONTROL_PATHS]);

/** `PUT /zones` body: every zone and its balancer, with the leader's term. */
export const ZonesPush = z
  .object({
    zones: z.array(z.object({ zone: ZoneId, url: UpstreamUrl }).strict()).max(100),
    term: Term,
  })
  .strict()
  .openapi('ZonesPush');

/** A zone as the gateway routes it: `available` = its balancer is in the gateway's alive pool. */
const ZoneState = z
  .object({
    zone: z.string(),
    url: z.string(),
    state: z.enum(['available', 'unavailable']),
    /** Requests the gateway is running on this zone now. */
    inFlight: z.number().int(),
    /** Epoch ms of entering the current state. */
    since: z.number().int(),
  })
  .openapi('GatewayZone');

/** `GET /zones` body. */
export const ZonesBody = z
  .object({ term: Term, affinity: z.string(), zones: z.array(ZoneState) })
  .openapi('GatewayZones');

/** `GET /health_check` body. */
export const GatewayHealth = z
  .object({
    status: z.literal('ok'),
    term: Term,
    zones: z.number().int(),
    available: z.array(z.string()),
  })
  .openapi('GatewayHealth');

/** What the routes need; `table` is a mutable holder owned by `start.ts`. */
export interface GatewayRoutesDeps {
  token: string;
  /** Networks the pushed balancer URLs may name (config `upstreamAllow`). */
  upstreamAllow: UpstreamAllowList;
  /** How clients are keyed: `client address` or `header <name>`. */
  affinity: string;
  table: { get(): ZoneTable; set(t: ZoneTable): void };
  pools: Pools;
  metrics: BalancerMetrics;
  now: () => number;
  log: Logger;
}

/** Builds the gateway's control API. */
export function createGatewayApi(d: GatewayRoutesDeps): OpenAPIHono {
  const app = createApi({ logger: d.log, corsGet: true, maxBodyBytes: 64 * 1024 });
  const zonesBody = () => {
    const t = d.table.get();
    const v = d.pools.view();
    const alive = new Map(v.alive.map((a) => [a.url, a]));
    const out = new Map([...v.disconnected, ...v.dead].map((s) => [s.url, s.since]));
    return {
      term: t.term,
      affinity: d.affinity,
      zones: t.zones.map((z) => {
        const a = alive.get(z.url);
        return {
          zone: z.zone,
          url: z.url,
          state: a ? ('available' as const) : ('unavailable' as const),
          inFlight: d.pools.inFlightOf(z.url),
          since: a?.since ?? out.get(z.url) ?? 0,
        };
      }),
    };
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health_check',
      summary: 'Liveness, the term and the zones currently available',
      responses: { 200: jsonResponse(GatewayHealth, 'Health') },
    }),
    (c) => {
      const b = zonesBody();
      return c.json(
        {
          status: 'ok' as const,
          term: b.term,
          zones: b.zones.length,
          available: b.zones.filter((z) => z.state === 'available').map((z) => z.zone),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/zones',
      summary: 'The zones, their balancers and whether each is available',
      responses: { 200: jsonResponse(ZonesBody, 'Zones') },
    }),
    (c) => c.json(zonesBody(), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/zones',
      summary: "The leader's push of every zone's balancer (accepted when term >= the known term)",
      security: tokenSecurity,
      middleware: [requireToken(d.token)] as const,
      request: { body: jsonBody(ZonesPush) },
      responses: {
        200: jsonResponse(ZonesBody, 'Zones after the push'),
        ...errorResponses,
        ...staleTermResponse,
      },
    }),
    (c) => {
      const body = c.req.valid('json');
      const zones = new Set<string>();
      for (const z of body.zones) {
        if (zones.has(z.zone)) throw new ZonescaleError('bad_request', `zone ${z.zone} is listed twice`, 400);
        zones.add(z.zone);
      }
      d.upstreamAllow.check(
        'zones',
        body.zones.map((z) => z.url),
      );
      const { next, add, remove } = applyZones(d.table.get(), body.zones, body.term);
      d.table.set(next);
      const now = d.now();
      for (const u of remove) d.pools.remove(u);
      for (const u of add) d.pools.add(u, now);
      if (add.length + remove.length > 0) d.log.info({ add, remove, term: body.term }, 'zones changed');
      return c.json(zonesBody(), 200);
    },
  );

  for (const path of ZONE_CONTROL_PATHS)
    app.all(path, (c) =>
      c.json(
        {
          error: 'not_found',
          message: `${path} is a zone balancer's control path: ask the balancer itself, not the gateway`,
        },
        404,
      ),
    );

  app.get('/metrics', async (c) => {
    const text = await d.metrics.registry.metrics();
    return c.body(text, 200, { 'content-type': d.metrics.registry.contentType });
  });

  return finishApi(
    app,
    'zonescale gateway',
    'The front door: routes each client to a zone balancer by consistent hashing, failing over along the ring.',
  );
}

/**
 * The monitor's HTTP API as an OpenAPIHono app built from injected dependencies (no I/O of its
 * own): `GET /health_check`, the bully messages `POST /election` and `POST /coordinator`, the
 * balancers' `PUT /report` and `POST /activate` (leader only; a follower answers 421 naming the
 * leader), `GET /containers`,
 * `GET /state`, `GET /events` (SSE), `GET /openapi.json` and the dashboard at `/`. Mutating calls
 * need the cluster token (401 otherwise) and are validated first, so a refused call changes nothing:
 * terms are bounded (400 beyond 2^31 − 1) and the coordinator's URL and the reported servers must
 * lie in the upstream allow-list (400 `upstream_not_allowed`), so no follower probes a foreign host.
 * The read API (`/health_check`, `/state`, `/events`, `/containers`, `/openapi.json`) answers CORS
 * to the monitors' own origins only (`origins`), because the dashboard served by one replica reads
 * another after a failover; no other web site may read it, and HTML never carries CORS.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Registry } from '../../adapters/registry.ts';
import {
  createApi,
  ErrorBody,
  errorResponses,
  finishApi,
  jsonBody,
  jsonResponse,
  staleTermResponse,
  tokenSecurity,
} from '../../shared/api.ts';
import { requireToken } from '../../shared/auth.ts';
import { NotLeader, StaleTerm, ZonescaleError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { type OriginPolicy, originPolicy, trustedCors } from '../../shared/origin-guard.ts';
import {
  ClusterState,
  ContainerRecord,
  type CpuHistory,
  Term,
  UpstreamUrl,
  ZoneId,
} from '../../shared/types.ts';
import type { UpstreamAllowList } from '../../shared/upstream-allow.ts';
import type { ElectionStatus } from '../election/elector.ts';
import type { KnownLeader } from '../election/state.ts';
import { type ActivateRouteDeps, mountActivateRoute } from './activate-route.ts';
import { type ControlDeps, mountControlRoutes } from './control-routes.ts';
import { serveDashboard } from './dashboard-static.ts';
import { eventsHandler, type StateHub } from './events-stream.ts';
import { injectPageKey } from './page-key.ts';

/** `GET /health_check` body. */
export const MonitorHealthBody = z
  .object({
    status: z.literal('ok'),
    id: z.number().int(),
    role: z.enum(['leader', 'follower', 'candidate']),
    term: Term,
    leaderId: z.number().int().nullable(),
  })
  .openapi('MonitorHealth');

/** `POST /election` body: the sender's id and the highest term it knows. */
export const ElectionBody = z
  .object({ from: z.number().int().min(1), term: Term })
  .strict()
  .openapi('ElectionMessage');
/** `POST /coordinator` body: the new leader's id, URL and term. */
export const CoordinatorBody = z
  .object({ leader: z.number().int().min(1), url: UpstreamUrl, term: Term })
  .strict()
  .openapi('CoordinatorMessage');
/** `PUT /report` body: a zone balancer's dead servers (URLs). */
export const ReportBody = z
  .object({ zone: ZoneId, servers: z.array(UpstreamUrl).max(1_000) })
  .strict()
  .openapi('DeadServerReport');

/** What the routes need. `report` runs the leader's removal (the routes check leadership first). */
export interface MonitorRoutesDeps {
  id: number;
  token: string;
  /** Networks the coordinator URL and reported server URLs may name (config `upstreamAllow`). */
  upstreamAllow: UpstreamAllowList;
  zones: string[];
  log: Logger;
  election: {
    status(): ElectionStatus;
    receiveElection(from: number): void;
    receiveCoordinator(leader: KnownLeader): { accepted: boolean; current: number };
  };
  report(zone: string, urls: string[], term: number): Promise<{ removed: string[] }>;
  /** The leader's `POST /activate` duty (`activate-route.ts`); omit to not serve the route. */
  activate?: ActivateRouteDeps['activate'];
  registry: Registry;
  hub: StateHub;
  history(): Promise<CpuHistory>;
  /** Dashboard directory; null to not serve it (tests). */
  dashboardDir: string | null;
  /** The dashboard's controls (`/control/*`) and the page key injected into its HTML; omit in tests. */
  control?: Omit<ControlDeps, 'origins'>;
  /**
   * Who may use the dashboard's key and read the API from a browser: every monitor's origin and
   * the configured host names (`originPolicy(monitorUrls, allowedHosts)`); default: none but the
   * request's own origin, IP literals and localhost.
   */
  origins?: OriginPolicy;
}

/** Read routes a dashboard served by another replica calls (CORS to the monitors' origins). */
export const READ_PATHS = ['/health_check', '/state', '/events', '/containers', '/openapi.json'] as const;

const misdirected = {
  421: {
    description: 'This replica is not the leader; details name the leader',
    content: { 'application/json': { schema: ErrorBody } },
  },
} as const;

/** Builds the monitor's app. */
export function createMonitorApi(d: MonitorRoutesDeps): OpenAPIHono {
  const app = createApi({ logger: d.log });
  const auth = requireToken(d.token);
  const origins = d.origins ?? originPolicy([]);
  for (const path of READ_PATHS) app.use(path, trustedCors(origins, ['GET']));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health_check',
      summary: 'Liveness, election role and term',
      responses: { 200: jsonResponse(MonitorHealthBody, 'Health') },
    }),
    (c) => {
      const s = d.election.status();
      return c.json(
        { status: 'ok' as const, id: d.id, role: s.role, term: s.term, leaderId: s.leader?.id ?? null },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/election',
      summary: 'Bully election message from a lower id; the reply is the answer',
      security: tokenSecurity,
      middleware: [auth] as const,
      request: { body: jsonBody(ElectionBody) },
      responses: {
        200: jsonResponse(z.object({ answer: z.literal(true), from: z.number().int() }), 'Answered'),
        ...errorResponses,
      },
    }),
    (c) => {
      const body = c.req.valid('json');
      d.election.receiveElection(body.from);
      return c.json({ answer: true as const, from: d.id }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/coordinator',
      summary: 'A new leader announces itself; refused with 409 when its term is older than the known one',
      security: tokenSecurity,
      middleware: [auth] as const,
      request: { body: jsonBody(CoordinatorBody) },
      responses: {
        200: jsonResponse(
          z.object({ accepted: z.literal(true), leader: z.number().int(), term: Term }),
          'Accepted',
        ),
        ...errorResponses,
        ...staleTermResponse,
      },
    }),
    (c) => {
      const b = c.req.valid('json');
      d.upstreamAllow.check('url', [b.url]);
      const r = d.election.receiveCoordinator({ id: b.leader, url: b.url, term: b.term });
      if (!r.accepted) throw new StaleTerm(b.term, r.current);
      return c.json({ accepted: true as const, leader: b.leader, term: b.term }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/report',
      summary:
        "A zone balancer reports dead servers; the leader removes those of the zone's registry and refills",
      security: tokenSecurity,
      middleware: [auth] as const,
      request: { body: jsonBody(ReportBody) },
      responses: {
        200: jsonResponse(
          z.object({ zone: ZoneId, removed: z.array(z.string()) }),
          'Removed server ids (empty when already removed)',
        ),
        ...errorResponses,
        ...misdirected,
        ...staleTermResponse,
      },
    }),
    async (c) => {
      const b = c.req.valid('json');
      d.upstreamAllow.check('servers', b.servers);
      if (!d.zones.includes(b.zone))
        throw new ZonescaleError(
          'unknown_zone',
          `zone "${b.zone}" is not managed by this cluster (zones: ${d.zones.join(', ')})`,
          400,
        );
      const s = d.election.status();
      if (s.role !== 'leader') throw new NotLeader(s.leader ? { id: s.leader.id, url: s.leader.url } : null);
      const r = await d.report(b.zone, b.servers, s.term);
      return c.json({ zone: b.zone, removed: r.removed }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/containers',
      summary: 'Every container in the registry',
      responses: { 200: jsonResponse(z.object({ containers: z.array(ContainerRecord) }), 'Containers') },
    }),
    async (c) => c.json({ containers: await d.registry.containers() }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/state',
      summary: 'The whole cluster as this replica sees it',
      responses: { 200: jsonResponse(ClusterState, 'Cluster state') },
    }),
    async (c) => c.json(await d.hub.current(), 200),
  );

  app.get('/events', eventsHandler(d.hub, d.history, d.log));

  if (d.activate)
    mountActivateRoute(app, { token: d.token, zones: d.zones, election: d.election, activate: d.activate });
  if (d.control) mountControlRoutes(app, { ...d.control, origins });

  finishApi(
    app,
    'zonescale monitor',
    'Membership, bully election, autoscaling and orchestration; the dashboard feed.',
  );
  const pageKey = d.control?.pageKey;
  if (d.dashboardDir !== null)
    serveDashboard(
      app,
      d.dashboardDir,
      pageKey ? (html) => injectPageKey(html, pageKey) : undefined,
      origins,
    );
  return app;
}

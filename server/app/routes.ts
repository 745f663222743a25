/**
 * The app server's HTTP surface, built from injected dependencies (tested with `app.request`):
 * `GET /health_check` (current load, for balancers), `GET /work?ms=` (real CPU work),
 * `GET /api/hello` and `GET /hello` (cheap user traffic), `POST /scenario` (cluster token or
 * the page's `x-ui-key`), `GET /stream` (SSE of this server's samples and its last minute of
 * requests, `sample-stream.ts`), `GET /` and `/assets/*` (the page), `GET /openapi.json`.
 * User traffic (`/work`, `/hello`, `/api/hello`) counts in throughput.
 */

import { timingSafeEqual } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute } from '@hono/zod-openapi';
import {
  createApi,
  ErrorBody,
  errorResponses,
  finishApi,
  jsonBody,
  jsonResponse,
  tokenSecurity,
  z,
} from '../shared/api.ts';
import { requireToken } from '../shared/auth.ts';
import type { Logger } from '../shared/logger.ts';
import { type OriginPolicy, originPolicy, requireTrustedOrigin } from '../shared/origin-guard.ts';
import { ScenarioMode } from '../shared/types.ts';
import { burnFor } from './busy-work.ts';
import type { AppLoad } from './load.ts';
import type { RecentRequests } from './recent-requests.ts';
import { serveSampleStream } from './sample-stream.ts';
import { serveAppUi } from './ui.ts';

/** Dependencies of the app routes. */
export interface AppRouteDeps {
  id: string;
  zone: string;
  token: string;
  /** The page key injected into index.html; accepted as `x-ui-key` on `POST /scenario`. */
  uiKey: string;
  /** `burn` or `simulate`, shown on the health check. */
  scenarioMode: 'burn' | 'simulate';
  load: AppLoad;
  /** Built page directory (`app-ui/dist`). */
  uiDir: string;
  /** This server's upstream pin (`upstreamPin(url)`), read when the page is served. */
  pin: () => string;
  /** Host names and origins the page and `POST /scenario` accept (default: IP literals, localhost, own origin). */
  origins?: OriginPolicy;
  logger?: Logger;
  /** The last minute of user requests, streamed to the page (`requests` events); omit to not record. */
  recent?: RecentRequests;
}

/** The user traffic that counts in throughput. */
const USER_PATHS = ['/work', '/hello', '/api/hello'] as const;

/** Bounds of `GET /work?ms=`, ms. */
export const WORK_MS = { min: 1, max: 1000, default: 20 } as const;

const Health = z
  .object({
    status: z.literal('ok'),
    id: z.string(),
    zone: z.string(),
    /** Latest reported CPU, % of one core. */
    cpu: z.number(),
    memoryMb: z.number(),
    inFlight: z.number().int(),
    /** req/s over the last sample interval. */
    throughput: z.number(),
    scenario: ScenarioMode,
    scenarioMode: z.enum(['burn', 'simulate']),
  })
  .openapi('AppHealth');

const WorkQuery = z.object({
  ms: z.coerce
    .number()
    .int('ms must be an integer')
    .min(WORK_MS.min, `ms must be at least ${WORK_MS.min}`)
    .max(WORK_MS.max, `ms must be at most ${WORK_MS.max}`)
    .default(WORK_MS.default)
    .openapi({ param: { name: 'ms', in: 'query' }, example: 20 }),
});

const Hello = z.object({ server: z.string(), zone: z.string() }).openapi('Hello');

const ScenarioBody = z.object({ mode: ScenarioMode }).openapi('ScenarioRequest');

function keyMatches(offered: string | null, key: string): boolean {
  if (!offered) return false;
  const a = Buffer.from(offered);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Requests shown on the page: everything but health checks, the stream, the page and its assets. */
function isUserPath(path: string): boolean {
  return !(
    path === '/health_check' ||
    path === '/stream' ||
    path === '/' ||
    path === '/index.html' ||
    path.startsWith('/assets/') ||
    path === '/openapi.json'
  );
}

function pathWithQuery(url: string): string {
  const i = url.indexOf('/', url.indexOf('//') + 2);
  return i < 0 ? '/' : url.slice(i).slice(0, 200);
}

/** Builds the app server's OpenAPIHono app. */
export function appRoutes(deps: AppRouteDeps): OpenAPIHono {
  const { load } = deps;
  const recent = deps.recent ?? null;
  const app = createApi({ logger: deps.logger, maxBodyBytes: 16 * 1024 });
  const origins = deps.origins ?? originPolicy([]);

  app.use('*', async (c, next) => {
    load.inFlight += 1;
    const t = Date.now();
    const started = performance.now();
    try {
      await next();
    } finally {
      load.inFlight -= 1;
      if (recent && isUserPath(c.req.path))
        recent.record({
          t,
          method: c.req.method,
          path: pathWithQuery(c.req.url),
          status: c.res.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
        });
    }
  });
  for (const path of USER_PATHS)
    app.use(path, async (_c, next) => {
      load.throughput.hit();
      await next();
    });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health_check',
      summary: 'Liveness with the current load (balancers probe it)',
      responses: { 200: jsonResponse(Health, 'The server is up') },
    }),
    (c) => {
      const s = load.latest();
      return c.json(
        {
          status: 'ok' as const,
          id: deps.id,
          zone: deps.zone,
          cpu: s?.cpu ?? 0,
          memoryMb: s?.memoryMb ?? 0,
          inFlight: load.inFlight,
          throughput: load.throughput.rate(),
          scenario: load.scenario(),
          scenarioMode: deps.scenarioMode,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/work',
      summary: 'Does real CPU work (a busy loop) for `ms` milliseconds',
      request: { query: WorkQuery },
      responses: {
        200: jsonResponse(
          z.object({ server: z.string(), zone: z.string(), ms: z.number().int() }),
          'Work done',
        ),
        400: errorResponses[400],
      },
    }),
    (c) => {
      const { ms } = c.req.valid('query');
      burnFor(ms);
      return c.json({ server: deps.id, zone: deps.zone, ms }, 200);
    },
  );

  for (const path of ['/api/hello', '/hello'] as const) {
    app.openapi(
      createRoute({
        method: 'get',
        path,
        summary: 'A cheap user request',
        responses: { 200: jsonResponse(Hello, 'Which server answered') },
      }),
      (c) => c.json({ server: deps.id, zone: deps.zone }, 200),
    );
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/scenario',
      summary: 'Switch the CPU scenario (High CPU / Low CPU / off)',
      description:
        'Needs the cluster token, or the `x-ui-key` header the page received in index.html. A browser call must come from the page itself: an untrusted `Host`, a foreign `Origin` or a cross-site `Sec-Fetch-Site` gets 403.',
      security: tokenSecurity,
      middleware: [
        requireTrustedOrigin(origins),
        requireToken(deps.token, (req) => keyMatches(req.headers.get('x-ui-key'), deps.uiKey)),
      ] as const,
      request: { body: jsonBody(ScenarioBody) },
      responses: {
        200: jsonResponse(
          z.object({ server: z.string(), scenario: ScenarioMode, previous: ScenarioMode }),
          'Scenario switched on `server` (this server id)',
        ),
        ...errorResponses,
        403: {
          description: 'Untrusted Host or foreign Origin',
          content: { 'application/json': { schema: ErrorBody } },
        },
      },
    }),
    (c) => {
      const { mode } = c.req.valid('json');
      const previous = load.setScenario(mode);
      if (previous !== mode) deps.logger?.info({ scenario: mode, previous }, 'scenario switched');
      return c.json({ server: deps.id, scenario: mode, previous }, 200);
    },
  );

  serveSampleStream(app, { id: deps.id, zone: deps.zone, load, recent });

  serveAppUi(
    app,
    deps.uiDir,
    () => ({ id: deps.id, zone: deps.zone, uiKey: deps.uiKey, pin: deps.pin() }),
    origins,
  );

  finishApi(
    app,
    'zonescale app server',
    'One replica of the scaled service: user work, its load, and its scenario page.',
  );
  app.notFound((c) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404));
  return app;
}

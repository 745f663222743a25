/**
 * The dashboard's controls, served by every monitor: `POST /control/scenario` (High / Low / Off for
 * one server or every server of a zone, forwarded to the app servers with the cluster token),
 * `POST /control/load` / `GET /control/load` / `DELETE /control/load` (one bounded load run through
 * a zone balancer or the gateway). Mutations accept the cluster token or the dashboard's page key
 * (`x-dashboard-key`, HMAC of the token, see `page-key.ts`), so the page never holds the token;
 * without either: 401 and nothing changes. Bodies are validated (rate ≤ 500 req/s, duration ≤ 300 s).
 * Only the dashboard itself may call them from a browser (`shared/origin-guard.ts`): an untrusted
 * `Host` (DNS rebinding), a foreign `Origin` or a cross-site `Sec-Fetch-Site` gets 403 before the
 * key is looked at, and CORS is answered to the monitors' own origins only, so a dashboard served
 * by one replica can still call another after a failover and no other web site can.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Registry } from '../../adapters/registry.ts';
import { LOAD_LIMITS } from '../../load/schedule.ts';
import { errorResponses, jsonBody, jsonResponse, tokenSecurity, z } from '../../shared/api.ts';
import { authHeaders, requireToken } from '../../shared/auth.ts';
import { ZonescaleError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { type OriginPolicy, requireTrustedOrigin, trustedCors } from '../../shared/origin-guard.ts';
import { ScenarioMode, ZoneId } from '../../shared/types.ts';
import type { LoadController } from './load-controller.ts';
import { PAGE_KEY_HEADER, pageKeyMatches } from './page-key.ts';

/** `POST /control/scenario` body: exactly one of `serverId` or `zone`. */
export const ScenarioControl = z
  .object({ serverId: z.string().min(1).max(64).optional(), zone: ZoneId.optional(), mode: ScenarioMode })
  .strict()
  .refine((b) => (b.serverId === undefined) !== (b.zone === undefined), {
    message: 'give exactly one of serverId or zone',
  })
  .openapi('ScenarioControl');

/** `POST /control/load` body. */
export const LoadControl = z
  .object({
    /** req/s. */
    rate: z.number().positive().max(LOAD_LIMITS.maxRate),
    /** s. */
    durationS: z.number().positive().max(LOAD_LIMITS.maxDurationS),
    /** `gateway` or a zone id. */
    target: z.union([z.literal('gateway'), ZoneId]),
    /** Request path, default `/work?ms=20`. */
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9/_?=&.-]*$/, 'a path such as /work?ms=20')
      .max(200)
      .optional(),
  })
  .strict()
  .openapi('LoadControl');

const ScenarioResult = z
  .object({
    mode: ScenarioMode,
    servers: z.array(z.object({ id: z.string(), ok: z.boolean(), error: z.string().optional() })),
  })
  .openapi('ScenarioControlResult');

const LoadView = z.object({ run: z.record(z.string(), z.unknown()).nullable() }).openapi('LoadRunView');

/** What the control routes need. `setScenario` posts to one app server (cluster token). */
export interface ControlDeps {
  token: string;
  pageKey: string;
  registry: Pick<Registry, 'containers'>;
  load: LoadController;
  log: Logger;
  /** Pages allowed to call from a browser: the monitors' origins and configured host names. */
  origins: OriginPolicy;
  /** Default: `POST <url>/scenario {mode}` with the token, 2 s timeout. */
  setScenario?: (url: string, mode: ScenarioMode) => Promise<void>;
}

function httpSetScenario(token: string) {
  return async (url: string, mode: ScenarioMode) => {
    const res = await fetch(`${url}/scenario`, {
      method: 'POST',
      headers: authHeaders(token),
      body: JSON.stringify({ mode }),
      signal: AbortSignal.timeout(2_000),
    });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    await res.body?.cancel().catch(() => {});
  };
}

/** Registers the control routes on the monitor's `app` (before the dashboard's catch-all). */
export function mountControlRoutes(app: OpenAPIHono, d: ControlDeps): void {
  const setScenario = d.setScenario ?? httpSetScenario(d.token);
  const auth = requireToken(d.token, (req) => pageKeyMatches(req.headers.get(PAGE_KEY_HEADER), d.pageKey));
  app.use(
    '/control/*',
    trustedCors(d.origins, ['GET', 'POST', 'DELETE'], ['content-type', 'authorization', PAGE_KEY_HEADER]),
  );
  app.use('/control/*', requireTrustedOrigin(d.origins));
  const forbidden = {
    403: {
      description: 'Untrusted Host or foreign Origin',
      content: { 'application/json': { schema: z.unknown() } },
    },
  } as const;
  const notFound = {
    404: { description: 'Unknown server or zone', content: { 'application/json': { schema: z.unknown() } } },
  } as const;
  const conflict = {
    409: { description: 'A load run is active', content: { 'application/json': { schema: z.unknown() } } },
  } as const;

  app.openapi(
    createRoute({
      method: 'post',
      path: '/control/scenario',
      summary: 'High / Low / Off for one app server or every server of a zone',
      description: `Needs the cluster token or the dashboard's \`${PAGE_KEY_HEADER}\`.`,
      security: tokenSecurity,
      middleware: [auth] as const,
      request: { body: jsonBody(ScenarioControl) },
      responses: {
        200: jsonResponse(ScenarioResult, 'Scenario set on each server'),
        ...errorResponses,
        ...forbidden,
        ...notFound,
      },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const apps = (await d.registry.containers()).filter((x) => x.role === 'app');
      const chosen = b.serverId
        ? apps.filter((a) => a.id === b.serverId)
        : apps.filter((a) => a.zone === b.zone);
      if (chosen.length === 0)
        throw new ZonescaleError(
          'not_found',
          b.serverId ? `no app server ${b.serverId}` : `zone ${b.zone} has no app server`,
          404,
        );
      const servers = await Promise.all(
        chosen.map(async (a) => {
          try {
            await setScenario(a.url, b.mode);
            return { id: a.id, ok: true };
          } catch (err) {
            return { id: a.id, ok: false, error: String((err as Error).message ?? err) };
          }
        }),
      );
      d.log.info(
        { mode: b.mode, servers: servers.map((s) => s.id), zone: b.zone },
        'scenario set from the dashboard',
      );
      return c.json({ mode: b.mode, servers }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/control/load',
      summary: `Start a bounded load run (≤ ${LOAD_LIMITS.maxRate} req/s, ≤ ${LOAD_LIMITS.maxDurationS} s) through a zone balancer or the gateway`,
      security: tokenSecurity,
      middleware: [auth] as const,
      request: { body: jsonBody(LoadControl) },
      responses: { 202: jsonResponse(LoadView, 'Started'), ...errorResponses, ...forbidden, ...conflict },
    }),
    async (c) => c.json({ run: await d.load.begin(c.req.valid('json')) }, 202),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/control/load',
      summary: 'The active load run, else the last one (null when none ran)',
      responses: { 200: jsonResponse(LoadView, 'Load run') },
    }),
    (c) => c.json({ run: d.load.view() }, 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/control/load',
      summary: 'Stop the active load run',
      security: tokenSecurity,
      middleware: [auth] as const,
      responses: { 200: jsonResponse(LoadView, 'Final status'), 401: errorResponses[401], ...forbidden },
    }),
    async (c) => c.json({ run: await d.load.end() }, 200),
  );
}

/**
 * `POST /activate {zone}`, the call a zone balancer's activator makes when a request reaches a zone
 * at zero (Knative's activator asking the autoscaler for a pod). Cluster token required (401
 * without); the zone must be a zone of this cluster (400 otherwise); only the leader answers — a
 * follower says 421 `{error: 'not_leader', message, leader}` with the leader's URL (null when none
 * is known), so the balancer can ask it directly. Idempotent: a zone that is already activating or
 * already has an app server gets no second one (200 `active` / 202 `activating`); the first call
 * for a zone at zero starts one server in the background and answers 202 at once — the balancer
 * learns of the server from the leader's `PUT /servers`, not from this answer.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { ErrorBody, errorResponses, jsonBody, jsonResponse, tokenSecurity } from '../../shared/api.ts';
import { requireToken } from '../../shared/auth.ts';
import { ZonescaleError } from '../../shared/errors.ts';
import { ZoneId } from '../../shared/types.ts';
import type { ElectionStatus } from '../election/elector.ts';

/** `POST /activate` body. */
export const ActivateBody = z.object({ zone: ZoneId }).strict().openapi('ActivateRequest');

/** What the leader did: `active` (the zone has `servers` app servers) or `activating` (one is starting). */
export const ActivateResult = z
  .object({ zone: ZoneId, state: z.enum(['active', 'activating']), servers: z.number().int() })
  .openapi('ActivateResult');
export type ActivateResult = z.infer<typeof ActivateResult>;

/** What the route needs: the token, the cluster's zones, the election status and the leader's duty. */
export interface ActivateRouteDeps {
  token: string;
  zones: readonly string[];
  election: { status(): ElectionStatus };
  /** The leader's activation (`LeaderDuties.activate`), with its term. */
  activate(zone: string, term: number): Promise<ActivateResult>;
}

/** Registers `POST /activate` on the monitor's `app`. */
export function mountActivateRoute(app: OpenAPIHono, d: ActivateRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/activate',
      summary: 'A zone balancer holding requests for a zone at zero asks the leader for a server',
      security: tokenSecurity,
      middleware: [requireToken(d.token)] as const,
      request: { body: jsonBody(ActivateBody) },
      responses: {
        200: jsonResponse(ActivateResult, 'The zone already has a server'),
        202: jsonResponse(ActivateResult, 'A server is starting (or was already being started)'),
        ...errorResponses,
        421: {
          description: 'This replica is not the leader; `leader` is its URL (null when unknown)',
          content: {
            'application/json': { schema: ErrorBody.extend({ leader: z.string().nullable() }) },
          },
        },
      },
    }),
    async (c) => {
      const { zone } = c.req.valid('json');
      if (!d.zones.includes(zone))
        throw new ZonescaleError(
          'unknown_zone',
          `zone "${zone}" is not managed by this cluster (zones: ${d.zones.join(', ')})`,
          400,
        );
      const s = d.election.status();
      if (s.role !== 'leader') {
        const leader = s.leader?.url ?? null;
        const message = leader
          ? `not the leader; the leader is at ${leader}`
          : 'not the leader; no leader is known';
        return c.json({ error: 'not_leader', message, leader }, 421);
      }
      const r = await d.activate(zone, s.term);
      return c.json(r, r.state === 'active' ? 200 : 202);
    },
  );
}

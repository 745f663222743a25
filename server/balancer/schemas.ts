/**
 * Zod schemas of the balancer's control API: they validate requests (unknown fields, duplicates
 * and bad URLs are refused with 400 before anything changes) and describe the API in
 * `GET /openapi.json`. Times are epoch ms.
 */
import { z } from '@hono/zod-openapi';
import { Term, UpstreamUrl } from '../shared/types.ts';

/**
 * The activator's state: `off` (no activator, or no leader known: no server means 503 at once),
 * `idle` (it would hold requests), `activating` (it holds `held` requests since `since`, epoch ms).
 */
export const ActivationView = z
  .object({
    state: z.enum(['off', 'idle', 'activating']),
    held: z.number().int(),
    since: z.number().int().nullable(),
  })
  .openapi('Activation');
export type ActivationView = z.infer<typeof ActivationView>;

/**
 * `GET /health_check`: pool counts and the activator's state (`activating`: the zone is at zero and
 * a server was asked for; the gateway's zone probe counts such a zone as up).
 */
export const HealthBody = z
  .object({
    status: z.literal('ok'),
    zone: z.string(),
    alive: z.number().int(),
    disconnected: z.number().int(),
    dead: z.number().int(),
    activation: ActivationView.shape.state,
    held: z.number().int(),
  })
  .openapi('BalancerHealth');

/** `GET /servers`: URLs of the alive pool. */
export const ServersBody = z
  .object({ zone: z.string(), servers: z.array(z.string()) })
  .openapi('AliveServers');

/** `GET /monitor` and the body of `PUT /monitor`: the leader monitor and its term. */
export const MonitorBody = z
  .object({
    address: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL, e.g. http://127.0.0.1:7001')
      .openapi({ example: 'http://127.0.0.1:7001' }),
    term: Term,
  })
  .strict()
  .openapi('LeaderMonitor');

/** The monitor as `GET /monitor` returns it (address is '' before a leader is known). */
export const MonitorView = z.object({ address: z.string(), term: Term }).openapi('LeaderMonitorView');

/** `GET /pools` and the answer of `PUT /servers`. `since` is epoch ms of entering the pool. */
export const PoolsBody = z
  .object({
    zone: z.string(),
    strategy: z.string(),
    /** Affinity key source of `consistent-hash` (`header:<name>`, `cookie:<name>`, `client`). */
    hashKey: z.string().optional(),
    term: Term,
    monitor: z.string(),
    /** Slow-start window, ms (0 = off). */
    slowStartMs: z.number().int(),
    activation: ActivationView,
    alive: z.array(
      z.object({
        url: z.string(),
        inFlight: z.number().int(),
        since: z.number().int(),
        /** Current slow-start weight, % of its full weight (10..100; 100 when slow start is off). */
        weight: z.number(),
        load: z.object({ cpu: z.number(), inFlight: z.number() }).optional(),
      }),
    ),
    disconnected: z.array(
      z.object({ url: z.string(), failedRechecks: z.number().int(), since: z.number().int() }),
    ),
    dead: z.array(z.object({ url: z.string(), since: z.number().int() })),
    /** Server id of each upstream URL the leader named (`PUT /servers` `ids`); request samples carry it. */
    ids: z.record(z.string(), z.string()).optional(),
  })
  .openapi('Pools');

function duplicates(list: readonly string[]): string[] {
  const seen = new Set<string>();
  return [...new Set(list.filter((u) => seen.has(u) || !seen.add(u)))];
}

/** URLs one `PUT /servers` may name in `add` and in `remove`, each (a zone never holds this many). */
export const MAX_SERVERS_PER_CHANGE = 1_000;

const serverList = z
  .array(UpstreamUrl)
  .max(MAX_SERVERS_PER_CHANGE, `at most ${MAX_SERVERS_PER_CHANGE} URLs in one change`)
  .optional();

/**
 * `PUT /servers`: URLs to add to the alive pool and to remove from any pool (drain), optionally
 * fenced by the leader's term, and the server ids of URLs (`ids`). URLs are normalised to their origin before duplicate checks. At most
 * `MAX_SERVERS_PER_CHANGE` URLs in each list, and at least one URL in all: an empty change is 400
 * (the leader sends one only when something changes). Hosts are checked against the upstream
 * allow-list by the route (it is configuration, not schema).
 */
export const ServersChange = z
  .object({
    add: serverList,
    remove: serverList,
    /**
     * Server id (registry container id, e.g. `zone1-app-3`) of upstream URLs, so the balancer's
     * request samples are keyed like the app's and the agent's; a URL without one is keyed by its URL.
     */
    ids: z
      .record(UpstreamUrl, z.string().min(1).max(200))
      .refine((r) => Object.keys(r).length <= MAX_SERVERS_PER_CHANGE, `at most ${MAX_SERVERS_PER_CHANGE} ids`)
      .optional(),
    term: Term.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.add?.length ?? 0) + (v.remove?.length ?? 0) + Object.keys(v.ids ?? {}).length === 0)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'an empty change: name at least one URL in add, remove or ids',
      });
    for (const key of ['add', 'remove'] as const) {
      const d = duplicates(v[key] ?? []);
      if (d.length > 0)
        ctx.addIssue({ code: 'custom', path: [key], message: `duplicate URLs: ${d.join(', ')}` });
    }
    const removing = new Set(v.remove ?? []);
    const both = (v.add ?? []).filter((u) => removing.has(u));
    if (both.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['add'],
        message: `URLs in both add and remove: ${both.join(', ')}`,
      });
  })
  .openapi('ServersChange');
export type ServersChange = z.infer<typeof ServersChange>;

/**
 * Balancer lifecycle and the leader's pushes to the zone balancers: `announce` tells every balancer
 * the new leader and its term at once (so the old leader is fenced off the data plane first);
 * `ensureBalancer` makes sure a zone's balancer is registered, running and answering, and otherwise
 * (re)starts it (on a node of its zone, on a multi-node runtime) on its port with the zone's servers from the registry (`ZoneBootstrap` /
 * `BalancerDown`, a `balancer-created` event); `pushZone` sends the leader's address and term and the
 * registry's membership as a diff, so every period heals any drift (idempotent).
 */
import { DEMO_SERVICE, type ServiceSpec } from '../../adapters/runtime.ts';
import { httpUrl } from '../../shared/advertise.ts';
import { rethrowFenced } from '../../shared/errors.ts';
import type { ZoneId } from '../../shared/types.ts';
import { pooledUrls } from '../clients/balancer-client.ts';
import type { LeaderContext } from './context.ts';
import { balancerId, balancerPort, splitArgs } from './placement.ts';
import { addressArgs, startOrReport } from './replicas.ts';

/**
 * `PUT /monitor` with this leader and `term` to every zone balancer, in parallel; a balancer that
 * does not answer learns it from the next push.
 * @throws StaleTerm / LeaseLapsed when fenced.
 */
export async function announce(ctx: LeaderContext, term: number): Promise<void> {
  await ctx.loadBalancerUrls();
  await Promise.all(
    ctx.cfg.zones.map((zone) =>
      ctx.balancers
        .putMonitor(ctx.balancerUrl(zone), { address: ctx.cfg.selfUrl, term })
        .catch(rethrowFenced),
    ),
  );
}

/**
 * The balancer flags of the service's health check: its path when not the demo app's
 * `/health_check`, its interval when the service names one (after the cluster's own flags, so it wins).
 */
export function serviceCheckArgs(s: ServiceSpec): string[] {
  const args: string[] = [];
  if (s.healthPath !== DEMO_SERVICE.healthPath) args.push('--health-path', s.healthPath);
  if (s.healthIntervalMs !== undefined) args.push('--check-interval-ms', String(s.healthIntervalMs));
  return args;
}

/** Makes sure the zone's balancer is registered, running and answering; (re)starts it otherwise. */
export async function ensureBalancer(ctx: LeaderContext, zone: ZoneId, term: number): Promise<void> {
  const { registry, runtime, balancers, cfg } = ctx;
  const id = balancerId(zone);
  const port = balancerPort(zone, cfg.balancerPortBase);
  const rec = await registry.container(id);
  const held = (await runtime.list()).find((c) => c.id === id);
  if (rec && rec.port === port && held?.running) {
    ctx.noteBalancer(zone, rec.url);
    const url = rec.url;
    if ((await balancers.health(url)) || (await Bun.sleep(300).then(() => balancers.health(url)))) return;
  }
  const reason = rec ? 'BalancerDown' : 'ZoneBootstrap';
  const { node, address } = await ctx.placement(zone, term, 'balancer');
  const url = httpUrl(address, port);
  const apps = (await ctx.apps(zone)).map((r) => r.url);
  const args = [
    '--zone',
    zone,
    '--port',
    String(port),
    '--id',
    id,
    ...addressArgs(address),
    '--monitor',
    cfg.selfUrl,
    '--collector',
    cfg.collector,
  ];
  if (apps.length > 0) args.push('--servers', apps.join(','));
  args.push(...splitArgs(cfg.balancerArgs), ...serviceCheckArgs(ctx.service));
  const spec = { id, role: 'balancer' as const, zone, port, args, env: ctx.env(), node };
  await registry.putContainer(await startOrReport(ctx, spec, url, term), term);
  ctx.noteBalancer(zone, url);
  const healthy = await ctx.waitHealthy(url, ctx.startTimeoutMs);
  await ctx.event({
    kind: 'balancer-created',
    zone,
    reason,
    message: `${reason === 'ZoneBootstrap' ? 'created' : 'recreated'} the ${zone} balancer on ${url} with ${apps.length} servers from the registry${healthy ? '' : ' (not answering yet)'}`,
    serverId: id,
    term,
  });
}

/** Pushes the leader address/term and the registry's membership (as a diff) to the zone balancer. */
export async function pushZone(ctx: LeaderContext, zone: ZoneId, term: number): Promise<void> {
  const { balancers, cfg } = ctx;
  const url = ctx.balancerUrl(zone);
  const pools = await balancers.pools(url);
  if (!pools) return;
  const records = await ctx.apps(zone);
  const apps = records.map((r) => r.url);
  const held = new Set(pooledUrls(pools).map(normalizeUrl));
  const add = apps.filter((u) => !held.has(u));
  const remove = [...held].filter((u) => !apps.includes(u));
  // A balancer that keeps ids but lacks some (started with --servers, or restarted) is told them.
  const unnamed = pools.ids ? records.filter((r) => pools.ids?.[r.url] !== r.id) : [];
  const ids = Object.fromEntries(unnamed.map((r) => [r.url, r.id]));
  if (pools.monitor !== cfg.selfUrl || pools.term !== term)
    await balancers.putMonitor(url, { address: cfg.selfUrl, term });
  if (add.length > 0 || remove.length > 0 || unnamed.length > 0)
    await balancers.putServers(url, { add, remove, ...(unnamed.length > 0 ? { ids } : {}), term });
}

/** `http://127.0.0.1:9101/` -> `http://127.0.0.1:9101`; leaves non-URLs as they are. */
export function normalizeUrl(u: string): string {
  try {
    return new URL(u).origin;
  } catch {
    return u;
  }
}

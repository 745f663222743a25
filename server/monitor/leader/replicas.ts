/**
 * Replicas convergence, the job of Kubernetes' `replicaset` controller: makes a zone's actual app
 * servers equal to the desired count, one server at a time. A new server gets the next free id, a
 * node and address (`LeaderContext.placement`: a multi-node runtime spreads a zone over its nodes)
 * and the node's lowest free port (`placement.ts`, `ports.ts`), runs the cluster's service (the demo
 * app, or the user's command or image), is recorded in the registry first (ground truth), must
 * answer its health check within the start timeout (else it is stopped, removed, a
 * `ServiceFailedToStart` event recorded and the zone backs off: `service-start.ts`) and is then
 * added to its zone's balancer; scale-in drains the newest server from the
 * balancer, stops it and removes it. Every step is a `scale-up`, `scale-down` or `replace` event, and
 * each action is reported to `onScaled` so the autoscaler's cooldown and step limits count it. It
 * does not decide how many: the zone autoscaler does.
 */
import type { ContainerSpec } from '../../adapters/runtime.ts';
import { DEFAULT_ADVERTISE_ADDRESS, httpUrl } from '../../shared/advertise.ts';
import { rethrowFenced } from '../../shared/errors.ts';
import type { ContainerRecord, ZoneId } from '../../shared/types.ts';
import { replicaCount, type ScaleDecision } from '../autoscale/scale-decision.ts';
import type { LeaderContext } from './context.ts';
import { balancerPort, freePorts, newestApp, nextAppId, portsOnNode, splitArgs } from './placement.ts';
import { appLaunch, awaitReady, checkBackoff, failStart, type Starting } from './service-start.ts';
import { failuresInARow } from './start-backoff.ts';

/**
 * The flags that make a started server listen on and advertise `address` (none for the default
 * 127.0.0.1, so one-host clusters start exactly as before).
 */
export function addressArgs(address: string): string[] {
  return address === DEFAULT_ADVERTISE_ADDRESS ? [] : ['--host', address, '--advertise-address', address];
}

/** The registry record of container `spec`, started as `runtimeId`, answering on `url`, created at `createdAt` (ms). */
function containerRecord(
  spec: Pick<ContainerSpec, 'id' | 'role' | 'zone' | 'port' | 'node'>,
  url: string,
  runtimeId: string,
  createdAt: number,
): ContainerRecord {
  const { id, role, zone, port, node } = spec;
  return { id, role, zone, url, port, runtimeId, createdAt, ...(node ? { node } : {}) };
}

/**
 * `runtime.start(spec)` and the registry record of the started container answering on `url` (not
 * yet stored); a refusal (e.g. the node lacks the image) is recorded as a `StartFailed` event
 * before it is rethrown, so an operator sees why a zone does not grow. @throws what start throws
 */
export async function startOrReport(
  ctx: LeaderContext,
  spec: ContainerSpec,
  url: string,
  term: number,
): Promise<ContainerRecord> {
  try {
    const started = await ctx.runtime.start(spec);
    return containerRecord(spec, url, started.runtimeId, ctx.now());
  } catch (err) {
    rethrowFenced(err);
    await ctx.event({
      kind: 'reconcile',
      zone: spec.zone,
      reason: 'StartFailed',
      message: `${spec.id} could not be started${spec.node ? ` on node ${spec.node}` : ''}: ${(err as Error).message}`,
      serverId: spec.id,
      term,
    });
    throw err;
  }
}

/** Called after each server added (+1) or removed (−1) by a scaling step. */
export type OnScaled = (zone: ZoneId, delta: number) => void;

/**
 * Starts a new app server of `zone`: next id (never one in the registry, the runtime or recent
 * events), lowest free bindable port (recently released ports last), registry first (ground
 * truth), then waits for its health check and adds it to the balancer.
 * @throws StartBackedOff while the zone backs off; ServiceFailedToStart when it does not come up
 *   (it is then stopped and removed); Error when no port is free.
 */
export async function createApp(ctx: LeaderContext, zone: ZoneId, term: number): Promise<ContainerRecord> {
  const { registry, runtime, balancers, cfg, service } = ctx;
  const events = await registry.events(500);
  ctx.backoff.restoreOnce(zone, failuresInARow(events, zone));
  checkBackoff(ctx, zone);
  const records = await registry.containers();
  const held = await runtime.list();
  // Ids named by recent events count as used too, so the event history never names two servers alike.
  const recent = events.map((e) => e.serverId ?? '');
  const id = nextAppId(zone, [...records.map((r) => r.id), ...held.map((c) => c.id), ...recent]);
  const { node, address } = await ctx.placement(zone, term);
  const taken = new Set([...portsOnNode(records, node), ...portsOnNode(held, node)]);
  for (const z of cfg.zones) taken.add(balancerPort(z, cfg.balancerPortBase));
  const port = await ctx.ports.pick(freePorts(cfg.appPorts, taken), node, address);
  if (port === null)
    throw new Error(
      `no free app port in ${cfg.appPorts[0]}-${cfg.appPorts[1]}${node ? ` on node ${node}` : ''}`,
    );
  const url = httpUrl(address, port);
  const { args, env } = appLaunch(ctx, service, { id, zone }, () => [
    '--id',
    id,
    '--zone',
    zone,
    '--port',
    String(port),
    ...addressArgs(address),
    '--collector',
    cfg.collector,
    ...splitArgs(cfg.appArgs),
  ]);
  const starting: Starting = { id, zone, url, port, term, ...(node ? { node } : {}) };
  let started: Awaited<ReturnType<typeof runtime.start>>;
  try {
    started = await runtime.start({ id, role: 'app', zone, port, args, env, service, node });
  } catch (err) {
    rethrowFenced(err);
    const where = node ? ` on node ${node}` : '';
    return failStart(
      ctx,
      starting,
      `could not be started${where}: ${String((err as Error)?.message ?? err)}`,
    );
  }
  const rec = containerRecord({ id, role: 'app', zone, port, node }, url, started.runtimeId, ctx.now());
  try {
    await registry.putContainer(rec, term);
  } catch (err) {
    await runtime.stop(id).catch(() => {});
    throw err;
  }
  const problem = await awaitReady(ctx, starting, service);
  if (problem !== null) return failStart(ctx, starting, problem);
  ctx.backoff.succeeded(zone);
  await balancers.putServers(ctx.balancerUrl(zone), { add: [url], ids: { [url]: id }, term }).catch((err) => {
    rethrowFenced(err);
    ctx.log.warn({ err, zone, id }, 'could not add the new server to the balancer; the next push retries');
  });
  return rec;
}

/** Adds app servers until the zone has `min` replicas, recording each as `kind` (`BelowMinReplicas`). */
export async function ensureMinReplicas(
  ctx: LeaderContext,
  zone: ZoneId,
  min: number,
  term: number,
  kind: 'scale-up' | 'replace',
  onScaled: OnScaled,
): Promise<void> {
  for (;;) {
    const n = (await ctx.apps(zone)).length;
    if (n >= min) return;
    const rec = await createApp(ctx, zone, term);
    onScaled(zone, 1);
    await ctx.event({
      kind,
      zone,
      reason: 'BelowMinReplicas',
      message: `${zone} had ${replicaCount(n)}, below the minimum ${min}: added ${rec.id} (${n} -> ${n + 1} replicas)`,
      from: n,
      to: n + 1,
      serverId: rec.id,
      term,
    });
  }
}

/**
 * Converges `zone` from its registered app servers `apps` to `d.desired`, one server at a time:
 * adds new servers (`scale-up`), or drains and removes the newest (`scale-down`). Returns whether
 * the count changed.
 * @throws StaleTerm / LeaseLapsed when fenced, Error when a new server cannot start.
 */
export async function scaleTo(
  ctx: LeaderContext,
  zone: ZoneId,
  apps: readonly ContainerRecord[],
  d: ScaleDecision,
  term: number,
  onScaled: OnScaled,
): Promise<boolean> {
  const n = apps.length;
  let count = n;
  if (d.desired > n) {
    for (; count < d.desired; count++) {
      const rec = await createApp(ctx, zone, term);
      onScaled(zone, 1);
      await ctx.event({
        kind: 'scale-up',
        zone,
        reason: d.reason,
        // A decision that adds several servers records one event each; say which step this is.
        message:
          d.desired - n > 1 ? `${d.message} (added ${rec.id}, ${count + 1} of ${d.desired})` : d.message,
        from: count,
        to: count + 1,
        serverId: rec.id,
        term,
      });
    }
    return true;
  }
  const victims = [...apps];
  for (; count > d.desired; count--) {
    const victim = newestApp(victims);
    if (!victim) break;
    victims.splice(victims.indexOf(victim), 1);
    await removeApp(ctx, zone, victim, term);
    onScaled(zone, -1);
    await ctx.event({
      kind: 'scale-down',
      zone,
      reason: d.reason,
      message: `${d.message} (removed the newest, ${victim.id})`,
      from: count,
      to: count - 1,
      serverId: victim.id,
      term,
    });
  }
  return count !== n;
}

/** Drains `victim` from its balancer (a failed drain is left to the next push), stops it and removes it. */
async function removeApp(
  ctx: LeaderContext,
  zone: ZoneId,
  victim: ContainerRecord,
  term: number,
): Promise<void> {
  await ctx.balancers.putServers(ctx.balancerUrl(zone), { remove: [victim.url], term }).catch((err) => {
    rethrowFenced(err);
    ctx.log.warn({ err, zone }, 'could not drain the server from the balancer; the next push removes it');
  });
  await ctx.runtime.stop(victim.id);
  ctx.ports.release(victim.port, victim.node);
  await ctx.registry.removeContainer(victim.id, term);
}

/**
 * Bringing one app server of the zone's service up, and what happens when it does not come up: the
 * container is started with the service spec (`ServiceSpec`: the demo app, the user's command or
 * image), the first health check waits the readiness delay, then the leader probes `GET <url>
 * <healthPath>` until a 2xx or the start timeout, giving up early when the container has exited.
 * A start that fails (the runtime refused it, e.g. no such image; it exited; it never answered)
 * is stopped and removed, recorded as a `ServiceFailedToStart` event quoting the last lines of its
 * log, and the zone's next start waits an exponential, capped back-off (`start-backoff.ts`); the
 * zone's other servers are not touched.
 */
import { isForeignService, type ServiceSpec } from '../../adapters/runtime.ts';
import { rethrowFenced, ZonescaleError } from '../../shared/errors.ts';
import type { ZoneId } from '../../shared/types.ts';
import type { LeaderContext } from './context.ts';

/** Lines of the container's log quoted in a `ServiceFailedToStart` event. */
export const LOG_TAIL_LINES = 10;

/** A new app server did not come up; the event is recorded and the zone backs off. */
export class ServiceFailedToStart extends ZonescaleError {
  constructor(
    readonly serverId: string,
    message: string,
  ) {
    super('service_failed_to_start', message, 503);
  }
}

/** Whether `err` is a start that failed or was not tried (back-off): recorded already, the zone goes on. */
export function isStartFailure(err: unknown): err is ServiceFailedToStart | StartBackedOff {
  return err instanceof ServiceFailedToStart || err instanceof StartBackedOff;
}

/** A start was not tried because the zone is still backing off after a failure. */
export class StartBackedOff extends ZonescaleError {
  constructor(
    readonly zone: ZoneId,
    readonly remainingMs: number,
  ) {
    super(
      'start_backed_off',
      `${zone}: next app server start in ${remainingMs} ms (back-off after a failed start)`,
      503,
    );
  }
}

/** The app server being started. */
export interface Starting {
  id: string;
  zone: ZoneId;
  url: string;
  port: number;
  term: number;
  /** Multi-node runtimes: the node it was placed on. */
  node?: string;
}

/** @throws StartBackedOff while `zone` is backing off. */
export function checkBackoff(ctx: LeaderContext, zone: ZoneId): void {
  const wait = ctx.backoff.remainingMs(zone, ctx.now());
  if (wait > 0) throw new StartBackedOff(zone, wait);
}

/** The environment and flags of a new app server of `service`: the demo app's flags, or none for the user's service. */
export function appLaunch(
  ctx: LeaderContext,
  service: ServiceSpec,
  s: { id: string; zone: ZoneId },
  demoArgs: () => string[],
): { args: string[]; env: Record<string, string> } {
  // The user's service gets its identity, never the cluster token.
  if (isForeignService(service))
    return { args: [], env: { ZONESCALE_SERVER_ID: s.id, ZONESCALE_ZONE: s.zone } };
  return { args: demoArgs(), env: ctx.env() };
}

/**
 * Waits the readiness delay, then for the health check of `s` (resolves null), or says why it
 * did not come up (the container exited, or it never answered within the start timeout).
 */
export async function awaitReady(
  ctx: LeaderContext,
  s: Starting,
  service: ServiceSpec,
): Promise<string | null> {
  const running = async () => (await ctx.runtime.list()).find((c) => c.id === s.id)?.running ?? false;
  if (service.readinessDelayMs > 0) await Bun.sleep(service.readinessDelayMs);
  const probe = `GET ${s.url}${service.healthPath}`;
  if (await ctx.waitHealthy(s.url, ctx.startTimeoutMs, { path: service.healthPath, alive: running }))
    return null;
  if (!(await running())) return `exited before answering its health check (${probe})`;
  return `did not answer its health check (${probe}, a 2xx) within ${ctx.startTimeoutMs} ms`;
}

/**
 * Cleans up a failed start of `s` (log tail read first, then stop, port released, record removed),
 * records `ServiceFailedToStart` and backs the zone off.
 * @throws ServiceFailedToStart always (Fenced when a write is refused).
 */
export async function failStart(ctx: LeaderContext, s: Starting, problem: string): Promise<never> {
  const tail = await ctx.runtime.logTail?.(s.id, LOG_TAIL_LINES).catch(() => '');
  await ctx.runtime.stop(s.id).catch(rethrowFenced);
  ctx.ports.release(s.port, s.node);
  await ctx.registry.removeContainer(s.id, s.term);
  const delay = ctx.backoff.failed(s.zone, ctx.now());
  const n = ctx.backoff.failures(s.zone);
  const quoted = tail ? `; last log lines: ${tail.split('\n').join(' | ')}` : '; its log is empty';
  const message = `${s.id} ${problem}: stopped and removed; next start in ${delay} ms (failure ${n} in a row)${quoted}`;
  await ctx.event({
    kind: 'reconcile',
    zone: s.zone,
    reason: 'ServiceFailedToStart',
    message,
    serverId: s.id,
    term: s.term,
  });
  throw new ServiceFailedToStart(s.id, message);
}

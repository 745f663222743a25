/**
 * The leader's half of scale from zero: a zone balancer holds requests for a zone with no app
 * server and asks for one (`POST /activate`); this step, queued with the other duties, starts one
 * server through the ordinary add path (`createApp`: registry first, health check, `PUT /servers`
 * to the balancer, which then releases its held requests) and records each step as an event:
 * `Activating` (a server is being started for held requests), `Activated` (it is in the balancer),
 * `ActivationTimeout` (it did not answer its health check within the start timeout, or could not
 * start; the balancer keeps asking while it holds requests). When the zone got a server meanwhile
 * (a period or another activation), nothing is started.
 */
import { Fenced } from '../../shared/errors.ts';
import type { ZoneId } from '../../shared/types.ts';
import type { LeaderContext } from './context.ts';
import { createApp, type OnScaled } from './replicas.ts';

/**
 * Makes `zone` have at least one app server now, under `term`. Returns the id started, or null when
 * the zone already had a server.
 * @throws StaleTerm / LeaseLapsed when fenced; other failures are recorded as `ActivationTimeout` and rethrown.
 */
export async function activateZone(
  ctx: LeaderContext,
  zone: ZoneId,
  term: number,
  onScaled: OnScaled,
): Promise<string | null> {
  const n = (await ctx.apps(zone)).length;
  if (n > 0) return null;
  const t0 = ctx.now();
  await ctx.event({
    kind: 'scale-up',
    zone,
    reason: 'Activating',
    message: `${zone} is at zero and its balancer holds requests: starting a server`,
    from: 0,
    to: 1,
    term,
  });
  try {
    const rec = await createApp(ctx, zone, term);
    onScaled(zone, 1);
    await ctx.event({
      kind: 'scale-up',
      zone,
      reason: 'Activated',
      message: `${zone} activated: ${rec.id} (${rec.url}) is in the balancer after ${ctx.now() - t0} ms (0 -> 1 replicas)`,
      from: 0,
      to: 1,
      serverId: rec.id,
      term,
    });
    return rec.id;
  } catch (err) {
    if (err instanceof Fenced) throw err;
    await ctx.event({
      kind: 'scale-up',
      zone,
      reason: 'ActivationTimeout',
      message: `${zone} could not be activated within ${ctx.now() - t0} ms: ${String((err as Error)?.message ?? err)}`,
      from: 0,
      to: 0,
      term,
    });
    throw err;
  }
}
